// answer_scan.cuh built for the host, for the Java test rft3d.cuda.AnswerScanTest: the device's reading of
// detection answers, checked against rft3d.parse.DetectionScanner on machines without a GPU. Any C++17
// compiler builds it (__device__ means nothing here).
//
// stdin (little-endian): int32 labels, then each label as int32 length + bytes; int32 records, then each
// record as int32 length + bytes. stdout: a line a record, "status objects onOwnLine wellFormed", then for
// each object its label id and the bits of its 9 numbers in hex.
#define __device__
#include <cstdint>
#include <cstdio>
#include <cstring>
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

int main() {
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
    const int maxBoxes = 4096;
    std::vector<double> boxes(9 * maxBoxes);
    std::vector<int> ids(maxBoxes);
    for (int r = 0; r < records; r++) {
        auto text = read_bytes();
        rft3d::Scan s = rft3d::scan_detection(text.data(), (int)text.size(), maxBoxes, maxBoxes, labels, dictOff.data(), dict.data(),
                                              boxes.data(), ids.data());
        printf("%d %d %d %d", s.status, s.objects, s.onOwnLine, s.wellFormed);
        for (int k = 0; k < (s.status ? s.objects : 0); k++) {
            printf(" %d", ids[k]);
            for (int j = 0; j < 9; j++) {
                uint64_t bits;
                memcpy(&bits, &boxes[9 * k + j], 8);
                printf(" %016llx", (unsigned long long)bits);
            }
        }
        printf("\n");
    }
    return 0;
}
