/// MurmurHash3, the 32-bit x86 variant (Austin Appleby's public-domain algorithm), as feature-flag
/// systems use it to place users, or here assets, in rollout buckets.
public enum Murmur3 {
    /// The hash of `bytes` with `seed` (MurmurHash3_x86_32).
    public static func hash32<Bytes: Collection>(bytes: Bytes, seed: UInt32 = 0) -> UInt32 where Bytes.Element == UInt8 {
        let c1: UInt32 = 0xcc9e_2d51
        let c2: UInt32 = 0x1b87_3593
        var h = seed
        var block: UInt32 = 0
        var filled = 0
        var length = 0
        for byte in bytes {
            block |= UInt32(byte) << (8 * UInt32(filled))
            filled += 1
            length += 1
            if filled == 4 {
                h ^= mixed(block, c1, c2)
                h = rotate(h, 13) &* 5 &+ 0xe654_6b64
                block = 0
                filled = 0
            }
        }
        if filled > 0 { h ^= mixed(block, c1, c2) }
        h ^= UInt32(truncatingIfNeeded: length)
        h ^= h >> 16
        h = h &* 0x85eb_ca6b
        h ^= h >> 13
        h = h &* 0xc2b2_ae35
        h ^= h >> 16
        return h
    }

    /// The hash of the UTF-8 bytes of `text`.
    public static func hash32(_ text: String, seed: UInt32 = 0) -> UInt32 {
        hash32(bytes: text.utf8, seed: seed)
    }

    @inline(__always)
    private static func mixed(_ k: UInt32, _ c1: UInt32, _ c2: UInt32) -> UInt32 {
        rotate(k &* c1, 15) &* c2
    }

    @inline(__always)
    private static func rotate(_ x: UInt32, _ r: UInt32) -> UInt32 {
        (x << r) | (x >> (32 - r))
    }
}
