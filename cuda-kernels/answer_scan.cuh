// Detection answers read on the device from their UTF-8 bytes: the envelope (rft3d.parse.Envelope) and the
// model's grammar (rft3d.parse.DetectionScanner), with the same results, so that rollouts held as token ids
// are scored without leaving the GPU. Anything these functions cannot decide exactly as the Java code does
// is declined (a non-ASCII byte, a number that needs more than a correctly rounded multiply or divide, a
// longer list than the output holds, anything outside the grammar) and read on the host instead.
#pragma once

namespace rft3d {

// Character.isWhitespace for ASCII: what String.strip removes.
__device__ inline bool java_space(unsigned char c) {
    return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31);
}

// A byte range [b, e) of one text.
struct Span {
    int b, e;
};

__device__ inline Span strip(const unsigned char* t, Span s) {
    while (s.b < s.e && java_space(t[s.b])) s.b++;
    while (s.e > s.b && java_space(t[s.e - 1])) s.e--;
    return s;
}

__device__ inline bool at(const unsigned char* t, Span s, int i, const char* tag, int n) {
    if (i < s.b || i + n > s.e) return false;
    for (int k = 0; k < n; k++)
        if (t[i + k] != (unsigned char)tag[k]) return false;
    return true;
}

// Envelope.of in one pass over the stripped text: the answer span (the whole raw text without an <answer>
// block; the last <answer> up to the first </answer> after it) and isWellFormed. `ascii` is false when a byte
// is not ASCII: then Unicode whitespace could count, and the host reads the completion.
__device__ inline Span envelope(const unsigned char* t, Span raw, bool& wellFormed, bool& ascii) {
    Span s = strip(t, raw), answer = raw;
    int thinkOpens = 0, thinkCloses = 0, answerOpens = 0, answerCloses = 0;
    int firstThinkClose = -1, lastAnswerOpen = -1, closeAfterLast = -1;
    ascii = true;
    for (int i = s.b; i < s.e; i++) {
        if (t[i] >= 0x80) ascii = false;
        if (t[i] != '<') continue;
        if (at(t, s, i, "<think>", 7)) {
            thinkOpens++;
        } else if (at(t, s, i, "</think>", 8)) {
            if (thinkCloses++ == 0) firstThinkClose = i;
        } else if (at(t, s, i, "<answer>", 8)) {
            answerOpens++;
            lastAnswerOpen = i;
            closeAfterLast = -1;
        } else if (at(t, s, i, "</answer>", 9)) {
            answerCloses++;
            if (lastAnswerOpen >= 0 && closeAfterLast < 0) closeAfterLast = i;
        }
    }
    if (lastAnswerOpen >= 0 && closeAfterLast >= 0) answer = strip(t, Span{lastAnswerOpen + 8, closeAfterLast});
    wellFormed = false;
    if (at(t, s, s.b, "<think>", 7) && at(t, s, s.e - 9, "</answer>", 9) && firstThinkClose >= 0 && thinkOpens == 1 &&
        thinkCloses == 1 && answerOpens == 1 && answerCloses == 1) {
        int i = firstThinkClose + 8;
        while (i < s.e && java_space(t[i])) i++;
        wellFormed = at(t, s, i, "<answer>", 8);
    }
    return answer;
}

// Powers of ten exactly representable as doubles.
__device__ inline double exact_pow10(int e) {
    double p = 1;
    for (int i = 0; i < e; i++) p *= 10;  // exact for e <= 22
    return p;
}

// A cursor over the answer span, as DetectionScanner.Cursor.
struct Cursor {
    const unsigned char* t;
    int pos, end;
    bool declined;  // something only the host can read exactly

    __device__ void space() {
        while (pos < end && (t[pos] == ' ' || t[pos] == '\n' || t[pos] == '\t' || t[pos] == '\r')) pos++;
    }
    __device__ bool take(char c) {
        if (pos < end && t[pos] == (unsigned char)c) {
            pos++;
            return true;
        }
        return false;
    }
    __device__ int digits() {
        int n = 0;
        while (pos < end && t[pos] >= '0' && t[pos] <= '9') pos++, n++;
        return n;
    }
    // A double-quoted string without escapes or control characters: its span, or {-1, -1}.
    __device__ Span string() {
        if (!take('"')) return Span{-1, -1};
        int b = pos;
        while (pos < end) {
            unsigned char c = t[pos];
            if (c == '"') return Span{b, pos++};
            if (c == '\\' || c < 0x20) return Span{-1, -1};
            pos++;
        }
        return Span{-1, -1};
    }
    // A strict JSON number of at most 64 characters, as the double the Java scanner gives; false (position
    // unchanged) for no number; `declined` when only the host's parsers can convert it exactly.
    __device__ bool number(double& v) {
        int start = pos;
        bool neg = take('-');
        int intStart = pos;
        bool ok = take('0') ? digits() == 0 : digits() > 0;  // no leading zeros
        int intEnd = pos;
        bool integer = true;
        int fracStart = pos, fracEnd = pos, expStart = -1, expSign = 1;
        if (ok && take('.')) {
            integer = false;
            fracStart = pos;
            ok = digits() > 0;
            fracEnd = pos;
        }
        if (ok && (take('e') || take('E'))) {
            integer = false;
            if (!take('+') && take('-')) expSign = -1;
            expStart = pos;
            ok = digits() > 0;
        }
        if (!ok || pos - start > 64) {
            pos = start;
            return false;
        }
        if (integer) {  // (double) Long.parseLong for up to 18 characters; longer ones take BigInteger
            if (pos - start > 18) {
                declined = true;
                return true;
            }
            long long w = 0;
            for (int i = intStart; i < intEnd; i++) w = 10 * w + (t[i] - '0');
            v = (double)(neg ? -w : w);  // "-0" is 0.0, as the long it goes through
            return true;
        }
        // Decimal: exact when the significant digits fit 2^53 and one multiply or divide by an exact power of
        // ten finishes the conversion (Clinger's fast path); both are correctly rounded, as the Java parser is.
        unsigned long long w = 0;
        int sig = 0, e10 = 0;
        for (int i = intStart; i < intEnd; i++) {
            if (sig > 0 || t[i] != '0') sig++;
            w = 10 * w + (t[i] - '0');
            if (sig > 17) break;
        }
        for (int i = fracStart; i < fracEnd && sig <= 17; i++) {
            if (sig > 0 || t[i] != '0') sig++;
            w = 10 * w + (t[i] - '0');
            e10--;
            if (sig > 17) break;
        }
        if (sig > 17) {
            declined = true;
            return true;
        }
        if (expStart >= 0) {
            int e = 0;
            for (int i = expStart; i < pos; i++) {
                e = 10 * e + (t[i] - '0');
                if (e > 400) break;
            }
            e10 += expSign * e;
        }
        if (w == 0) {
            v = neg ? -0.0 : 0.0;
            return true;
        }
        if (w > (1ULL << 53) || e10 < -22 || e10 > 22) {
            declined = true;
            return true;
        }
        double d = (double)w;
        d = e10 >= 0 ? d * exact_pow10(e10) : d / exact_pow10(-e10);
        v = neg ? -d : d;
        return true;
    }
};

// DetectionScanner.aloneOnLine over the answer span.
__device__ inline bool alone_on_line(const unsigned char* t, Span a, int b, int e) {
    for (int i = b - 1; i >= a.b && t[i] != '\n'; i--)
        if (!(t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == ',')) return false;
    for (int i = b; i < e; i++)
        if (t[i] == '\n') return false;
    for (int i = e; i < a.e && t[i] != '\n'; i++)
        if (!(t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == ',')) return false;
    return true;
}

// Whether every byte of the span is blank (String.isBlank for ASCII).
__device__ inline bool blank(const unsigned char* t, Span s) {
    return strip(t, s).b == strip(t, s).e;
}

// The id of a stripped label among the batch's GT labels (dictionary bytes dict[dictOff[k] .. dictOff[k+1])),
// or -1: a label no GT box has matches nothing.
__device__ inline int label_id(const unsigned char* t, Span s, int dictSize, const int* dictOff, const unsigned char* dict) {
    for (int k = 0; k < dictSize; k++) {
        int n = dictOff[k + 1] - dictOff[k];
        if (n != s.e - s.b) continue;
        bool same = true;
        for (int i = 0; i < n && same; i++) same = dict[dictOff[k] + i] == t[s.b + i];
        if (same) return k;
    }
    return -1;
}

// The scan's outcome: 1 = read (objects, onOwnLine and wellFormed valid, boxes written), 0 = declined.
struct Scan {
    int status, objects, onOwnLine, wellFormed;
};

// Envelope plus DetectionScanner.scan over one completion's bytes; boxes as 9 numbers (6- and 7-number boxes
// padded with zeros, as Box3D.of does) into boxes[9 k ..], label ids into labels[k], at most maxBoxes.
__device__ inline Scan scan_detection(const unsigned char* t, int len, int maxBoxes, int maxObjects, int dictSize,
                                      const int* dictOff, const unsigned char* dict, double* boxes, int* labels) {
    Scan out = {0, 0, 0, 0};
    bool wellFormed, ascii;
    Span a = envelope(t, Span{0, len}, wellFormed, ascii);
    if (!ascii) return out;
    out.wellFormed = wellFormed;
    Cursor c = {t, a.b, a.e, false};
    c.space();
    if (!c.take('[')) return out;
    c.space();
    int n = 0;
    if (!c.take(']')) {
        while (true) {
            int start = c.pos;
            if (!c.take('{')) return out;
            Span label = {-1, -1};
            double box[9];
            int numbers = -1;
            for (int k = 0; k < 2; k++) {
                c.space();
                if (k == 1) {
                    if (!c.take(',')) return out;
                    c.space();
                }
                Span key = c.string();
                c.space();
                if (key.b < 0 || !c.take(':')) return out;
                c.space();
                bool isLabel = key.e - key.b == 5 && at(t, a, key.b, "label", 5);
                bool isBox = key.e - key.b == 7 && at(t, a, key.b, "bbox_3d", 7);
                if (isLabel && label.b < 0) {
                    label = c.string();
                    if (label.b < 0 || blank(t, label)) return out;
                } else if (isBox && numbers < 0) {
                    if (!c.take('[')) return out;
                    numbers = 0;
                    c.space();
                    while (true) {
                        if (numbers == 9) return out;
                        double v = 0;
                        if (!c.number(v)) return out;
                        if (c.declined) return out;
                        box[numbers++] = v;
                        c.space();
                        if (c.take(']')) break;
                        if (!c.take(',')) return out;
                        c.space();
                    }
                    if (numbers != 6 && numbers != 7 && numbers != 9) return out;
                } else {
                    return out;
                }
            }
            c.space();
            if (!c.take('}')) return out;
            if (n >= maxBoxes || n >= maxObjects) return out;  // the host reads it (or refuses it, past MAX_BOXES)
            for (int k = numbers; k < 9; k++) box[k] = 0;
            for (int k = 0; k < 9; k++) boxes[9 * n + k] = box[k];
            labels[n] = label_id(t, strip(t, label), dictSize, dictOff, dict);
            if (alone_on_line(t, a, start, c.pos)) out.onOwnLine++;
            n++;
            c.space();
            if (c.take(']')) break;
            if (!c.take(',')) return out;
            c.space();
        }
    }
    c.space();
    if (c.pos != a.e) return out;
    out.status = 1;
    out.objects = n;
    return out;
}

}  // namespace rft3d
