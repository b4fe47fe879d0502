// answer_scan.cuh built for the host, for the Java test rft3d.cuda.AnswerScanTest: the device's reading of
// detection answers, checked against rft3d.parse.DetectionScanner on machines without a GPU. Any C++17
// compiler builds it (__device__ means nothing here).
//
// stdin (little-endian): int32 n and n uint64 words (the table of rft3d.cuda.PowersOfFive); int32 labels,
// then each label as int32 length + bytes; int32 records, then each record as int32 length + bytes. stdout: a
// line a record, "status objects onOwnLine wellFormed", then for each object its label id and the bits of its
// 9 numbers in hex; or "pieces-differ" when reading the record in one piece and in several disagree.
#define __device__
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "answer_scan.cuh"

static int32_t read_int() {
    int32_t v = 0;
    if (fread(&v, 4, 1, stdin) != 1) throw 1;
    return v;
}

static std::vector<unsigned char> read_bytes() {
    std::vector<unsigned char> b(read_int());
    if (!b.empty() && fread(b.data(), 1, b.size(), stdin) != b.size()) throw 1;
    return b;
}

static std::string scan(const std::vector<unsigned char>& text, const std::vector<unsigned long long>& pow5, int labels,
                        const std::vector<int>& dictOff, const std::vector<unsigned char>& dict, int pieces) {
    const int maxBoxes = 4096;
    std::vector<double> boxes(9 * maxBoxes);
    std::vector<int> ids(maxBoxes), starts(maxBoxes + 1);
    rft3d::Scan s = rft3d::scan_detection(text.data(), (int)text.size(), maxBoxes, pow5.data(), labels, dictOff.data(), dict.data(),
                                          boxes.data(), ids.data(), starts.data(), pieces);
    std::string line = std::to_string(s.status) + " " + std::to_string(s.objects) + " " + std::to_string(s.onOwnLine) + " " +
                       std::to_string(s.wellFormed);
    for (int k = 0; k < (s.status ? s.objects : 0); k++) {
        line += " " + std::to_string(ids[k]);
        for (int j = 0; j < 9; j++) {
            uint64_t bits;
            memcpy(&bits, &boxes[9 * k + j], 8);
            char hex[20];
            snprintf(hex, sizeof hex, " %016llx", (unsigned long long)bits);
            line += hex;
        }
    }
    return line;
}

int main() {
    std::vector<unsigned long long> pow5(read_int());
    if (fread(pow5.data(), 8, pow5.size(), stdin) != pow5.size()) return 1;
    int labels = read_int();
    std::vector<int> dictOff{0};
    std::vector<unsigned char> dict;
    for (int i = 0; i < labels; i++) {
        auto b = read_bytes();
        dict.insert(dict.end(), b.begin(), b.end());
        dictOff.push_back((int)dict.size());
    }
    dict.push_back(0);
    int records = read_int();
    for (int r = 0; r < records; r++) {
        auto text = read_bytes();
        std::string whole = scan(text, pow5, labels, dictOff, dict, 1);
        bool same = whole == scan(text, pow5, labels, dictOff, dict, 2 + r % 37);
        printf("%s\n", same ? whole.c_str() : "pieces-differ");
    }
    return 0;
}
