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

// Envelope.of as a tally of the tags at each position of the stripped text, so that threads can tally
// pieces of a long text and merge them in order. A tag is read at its first byte, wherever its piece ends.
struct EnvelopeTally {
    int thinkOpens, thinkCloses, answerOpens, answerCloses;
    int firstThinkClose, lastAnswerOpen, closeAfterLast, firstAnswerClose;
    bool ascii;  // false when a byte is not ASCII: then Unicode whitespace could count, and the host reads it
};

__device__ inline EnvelopeTally no_tags() { return EnvelopeTally{0, 0, 0, 0, -1, -1, -1, -1, true}; }

// The tags at positions [b, e) of the stripped text s.
__device__ inline EnvelopeTally tally(const unsigned char* t, Span s, int b, int e) {
    EnvelopeTally y = no_tags();
    for (int i = b; i < e; i++) {
        if (t[i] >= 0x80) y.ascii = false;
        if (t[i] != '<') continue;
        if (at(t, s, i, "<think>", 7)) {
            y.thinkOpens++;
        } else if (at(t, s, i, "</think>", 8)) {
            if (y.thinkCloses++ == 0) y.firstThinkClose = i;
        } else if (at(t, s, i, "<answer>", 8)) {
            y.answerOpens++;
            y.lastAnswerOpen = i;
            y.closeAfterLast = -1;
        } else if (at(t, s, i, "</answer>", 9)) {
            if (y.answerCloses++ == 0) y.firstAnswerClose = i;
            if (y.lastAnswerOpen >= 0 && y.closeAfterLast < 0) y.closeAfterLast = i;
        }
    }
    return y;
}

// The tally of a piece followed by the next one.
__device__ inline EnvelopeTally merge(EnvelopeTally a, EnvelopeTally b) {
    EnvelopeTally y;
    y.thinkOpens = a.thinkOpens + b.thinkOpens;
    y.thinkCloses = a.thinkCloses + b.thinkCloses;
    y.answerOpens = a.answerOpens + b.answerOpens;
    y.answerCloses = a.answerCloses + b.answerCloses;
    y.firstThinkClose = a.firstThinkClose >= 0 ? a.firstThinkClose : b.firstThinkClose;
    y.firstAnswerClose = a.firstAnswerClose >= 0 ? a.firstAnswerClose : b.firstAnswerClose;
    y.lastAnswerOpen = b.lastAnswerOpen >= 0 ? b.lastAnswerOpen : a.lastAnswerOpen;
    y.closeAfterLast = b.lastAnswerOpen >= 0 ? b.closeAfterLast
                       : a.lastAnswerOpen < 0 ? -1
                       : a.closeAfterLast >= 0 ? a.closeAfterLast : b.firstAnswerClose;
    y.ascii = a.ascii && b.ascii;
    return y;
}

// Envelope.of from the tally of the whole stripped text s (of the raw text raw): the answer span (the whole
// raw text without an <answer> block; the last <answer> up to the first </answer> after it) and isWellFormed.
__device__ inline Span envelope(const unsigned char* t, Span raw, Span s, EnvelopeTally y, bool& wellFormed) {
    Span answer = raw;
    if (y.lastAnswerOpen >= 0 && y.closeAfterLast >= 0) answer = strip(t, Span{y.lastAnswerOpen + 8, y.closeAfterLast});
    wellFormed = false;
    if (at(t, s, s.b, "<think>", 7) && at(t, s, s.e - 9, "</answer>", 9) && y.firstThinkClose >= 0 && y.thinkOpens == 1 &&
        y.thinkCloses == 1 && y.answerOpens == 1 && y.answerCloses == 1) {
        int i = y.firstThinkClose + 8;
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

// The range of q in the table of 5^q that eisel_lemire reads (rft3d.cuda.PowersOfFive writes it): 128-bit
// values, high word first, for every double's decimal exponent.
constexpr int POW5_MIN_Q = -342, POW5_MAX_Q = 308;

struct U128 {
    unsigned long long hi, lo;
};

__device__ inline U128 mul64(unsigned long long a, unsigned long long b) {
#ifdef __CUDA_ARCH__
    return U128{__umul64hi(a, b), a * b};
#else
    unsigned __int128 p = (unsigned __int128)a * b;
    return U128{(unsigned long long)(p >> 64), (unsigned long long)p};
#endif
}

__device__ inline double bits_to_double(unsigned long long bits) {
#ifdef __CUDA_ARCH__
    return __longlong_as_double((long long)bits);
#else
    double d;
    memcpy(&d, &bits, 8);
    return d;
#endif
}

// w * 10^q correctly rounded (w > 0 of at most 19 digits), by Eisel and Lemire's algorithm as fast_float
// runs it (Lemire, "Number Parsing at a Gigabyte per Second", 2021): one or two 64x64-bit products with the
// truncated 128-bit 5^q. False for what it leaves to the host: subnormal and infinite results.
__device__ inline bool eisel_lemire(unsigned long long w, int q, const unsigned long long* pow5, double& out) {
    if (q < POW5_MIN_Q || q > POW5_MAX_Q) return false;
#ifdef __CUDA_ARCH__
    const int lz = __clzll((long long)w);
#else
    const int lz = __builtin_clzll(w);
#endif
    w <<= lz;
    const unsigned long long* p = pow5 + 2 * (q - POW5_MIN_Q);
    U128 product = mul64(w, p[0]);
    if ((product.hi & 0x1FF) == 0x1FF) {  // the low 9 bits decide the rounding: the second word settles them
        U128 second = mul64(w, p[1]);
        product.lo += second.hi;
        if (second.hi > product.lo) product.hi++;
    }
    const int upper = (int)(product.hi >> 63), shift = upper + 64 - 52 - 3;
    unsigned long long mantissa = product.hi >> shift;
    int power2 = (((152170 + 65536) * q) >> 16) + 63 + upper - lz + 1023;
    if (power2 <= 0) return false;
    // A product exactly halfway between two doubles: round to even (only these q can give one).
    if (product.lo <= 1 && q >= -4 && q <= 23 && (mantissa & 3) == 1 && (mantissa << shift) == product.hi) mantissa &= ~1ULL;
    mantissa += mantissa & 1;
    mantissa >>= 1;
    if (mantissa >= (2ULL << 52)) {
        mantissa = 1ULL << 52;
        power2++;
    }
    if (power2 >= 0x7FF) return false;
    out = bits_to_double((mantissa & ~(1ULL << 52)) | ((unsigned long long)power2 << 52));
    return true;
}

// A cursor over the answer span, as DetectionScanner.Cursor.
struct Cursor {
    const unsigned char* t;
    int pos, end;
    const unsigned long long* pow5;  // the table of eisel_lemire
    bool declined;                   // something only the host can read exactly

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
        // Decimal: the significant digits as an integer w (at most 19 of them) times 10^e10, then one correctly
        // rounded multiply or divide where both factors are exact doubles (Clinger's fast path), else Eisel-Lemire.
        unsigned long long w = 0;
        int sig = 0, e10 = 0;
        for (int i = intStart; i < intEnd && sig <= 19; i++) {
            if (sig > 0 || t[i] != '0') sig++;
            w = 10 * w + (t[i] - '0');
        }
        for (int i = fracStart; i < fracEnd && sig <= 19; i++) {
            if (sig > 0 || t[i] != '0') sig++;
            w = 10 * w + (t[i] - '0');
            e10--;
        }
        if (sig > 19) {
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
        double d;
        if (w <= (1ULL << 53) && e10 >= -22 && e10 <= 22) {
            d = (double)w;
            d = e10 >= 0 ? d * exact_pow10(e10) : d / exact_pow10(-e10);
        } else if (!eisel_lemire(w, e10, pow5, d)) {
            declined = true;
            return true;
        }
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

// The answer as the grammar's list, read in pieces that threads can take in parallel: the head (up to the
// first object), then each object with the separator after it. Objects start at the '{' bytes outside
// strings, and strings have no escapes here (an escape is declined), so a byte is inside a string when an odd
// number of '"' precede it in the answer. When every piece reads, the list reads as DetectionScanner.scan
// reads it in one pass, with the same objects; when one does not, the answer is declined.

// A piece [b, e) of a text, p of `pieces` equal parts.
__device__ inline Span piece(Span s, int p, int pieces) {
    long long n = s.e - s.b;
    return Span{s.b + (int)(n * p / pieces), s.b + (int)(n * (p + 1) / pieces)};
}

// The '"' bytes of a piece of the answer, and its '{' bytes outside strings in both cases: the piece starting
// outside a string (outside[0]) and inside one (outside[1]).
struct Braces {
    int quotes, outside[2];
};

__device__ inline Braces braces(const unsigned char* t, Span p) {
    Braces y = {0, {0, 0}};
    for (int i = p.b; i < p.e; i++) {
        if (t[i] == '"') y.quotes++;
        else if (t[i] == '{') y.outside[y.quotes & 1]++;
    }
    return y;
}

// Writes the positions of a piece's object starts to starts[index ..] (those below limit), given whether
// the piece starts inside a string.
__device__ inline void list_starts(const unsigned char* t, Span p, bool inString, int* starts, int index, int limit) {
    for (int i = p.b; i < p.e; i++) {
        if (t[i] == '"') inString = !inString;
        else if (t[i] == '{' && !inString && index < limit) starts[index++] = i;
    }
}

// The head: "[" alone when the list has no objects (first = -1), else "[" up to the first object.
__device__ inline bool scan_head(const unsigned char* t, Span a, int first) {
    Cursor c = {t, a.b, a.e, nullptr, false};
    c.space();
    if (!c.take('[')) return false;
    c.space();
    if (first >= 0) return c.pos == first;
    if (!c.take(']')) return false;
    c.space();
    return c.pos == a.e;
}

// One object of the list, at start, and the separator after it: "," up to the next object at next, or for
// the last object (next = -1) "]" and the end of the answer. Its 9 numbers (6- and 7-number boxes padded
// with zeros, as Box3D.of does) go to box, its label's id to label, and whether it sits alone on its line
// to onOwnLine. False when the piece does not read, or reads only on the host.
__device__ inline bool scan_object(const unsigned char* t, Span a, int start, int next, const unsigned long long* pow5, int dictSize,
                                   const int* dictOff, const unsigned char* dict, double* box, int& label, bool& onOwnLine) {
    Cursor c = {t, start, a.e, pow5, false};
    if (!c.take('{')) return false;
    Span name = {-1, -1};
    int numbers = -1;
    for (int k = 0; k < 2; k++) {
        c.space();
        if (k == 1) {
            if (!c.take(',')) return false;
            c.space();
        }
        Span key = c.string();
        c.space();
        if (key.b < 0 || !c.take(':')) return false;
        c.space();
        bool isLabel = key.e - key.b == 5 && at(t, a, key.b, "label", 5);
        bool isBox = key.e - key.b == 7 && at(t, a, key.b, "bbox_3d", 7);
        if (isLabel && name.b < 0) {
            name = c.string();
            if (name.b < 0 || blank(t, name)) return false;
        } else if (isBox && numbers < 0) {
            if (!c.take('[')) return false;
            numbers = 0;
            c.space();
            while (true) {
                if (numbers == 9) return false;
                double v = 0;
                if (!c.number(v) || c.declined) return false;
                box[numbers++] = v;
                c.space();
                if (c.take(']')) break;
                if (!c.take(',')) return false;
                c.space();
            }
            if (numbers != 6 && numbers != 7 && numbers != 9) return false;
        } else {
            return false;
        }
    }
    c.space();
    if (!c.take('}')) return false;
    for (int k = numbers; k < 9; k++) box[k] = 0;
    label = label_id(t, strip(t, name), dictSize, dictOff, dict);
    onOwnLine = alone_on_line(t, a, start, c.pos);
    c.space();
    if (next >= 0) {
        if (!c.take(',')) return false;
        c.space();
        return c.pos == next;
    }
    if (!c.take(']')) return false;
    c.space();
    return c.pos == a.e;
}

// The scan's outcome: 1 = read (objects, onOwnLine and wellFormed valid, boxes written), 0 = declined.
struct Scan {
    int status, objects, onOwnLine, wellFormed;
};

// Envelope plus DetectionScanner.scan over one completion's bytes, in `pieces` parts as the kernel
// read_detections takes them in parallel, one after another here: boxes as 9 numbers into boxes[9 k ..], label
// ids into labels[k], at most maxBoxes objects (more are declined); starts holds maxBoxes + 1 positions.
__device__ inline Scan scan_detection(const unsigned char* t, int len, int maxBoxes, const unsigned long long* pow5, int dictSize,
                                      const int* dictOff, const unsigned char* dict, double* boxes, int* labels, int* starts,
                                      int pieces) {
    const Scan declined = {0, 0, 0, 0};
    Span raw = {0, len}, s = strip(t, raw);
    EnvelopeTally y = no_tags();
    for (int p = 0; p < pieces; p++) y = merge(y, tally(t, s, piece(s, p, pieces).b, piece(s, p, pieces).e));
    if (!y.ascii) return declined;
    bool wellFormed;
    Span a = envelope(t, raw, s, y, wellFormed);
    int objects = 0, quoteCount = 0;
    for (int p = 0; p < pieces; p++) {
        Braces c = braces(t, piece(a, p, pieces));
        list_starts(t, piece(a, p, pieces), quoteCount & 1, starts, objects, maxBoxes + 1);
        objects += c.outside[quoteCount & 1];
        quoteCount += c.quotes;
    }
    if (objects > maxBoxes || !scan_head(t, a, objects > 0 ? starts[0] : -1)) return declined;
    Scan out = {1, objects, 0, wellFormed};
    for (int k = 0; k < objects; k++) {
        bool own;
        if (!scan_object(t, a, starts[k], k + 1 < objects ? starts[k + 1] : -1, pow5, dictSize, dictOff, dict, boxes + 9 * k, labels[k], own))
            return declined;
        out.onOwnLine += own;
    }
    return out;
}

}  // namespace rft3d
