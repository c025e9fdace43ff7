// KQuantRows in the baseline build: the reference loops of KQuantReference themselves.
#if !LLAMASWIFT_AVX2
    extension KQuantRows {
        @inline(__always)
        static func q45_K(
            _ w: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ ad: UnsafePointer<Float>, _ bsums: UnsafePointer<Int32>,
            _ nb: Int, five: Bool
        ) -> Float {
            KQuantReference.q45_K(w, a, ad, bsums, nb, five: five)
        }

        @inline(__always)
        static func q6_K(
            _ w: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ ad: UnsafePointer<Float>, _ bsums: UnsafePointer<Int32>,
            _ nb: Int
        ) -> Float {
            KQuantReference.q6_K(w, a, ad, nb)
        }
    }
#endif
