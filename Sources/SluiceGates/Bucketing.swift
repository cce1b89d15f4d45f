/// Places assets in canary cohorts with the rule feature-flag clients share (Unleash's): an asset's
/// bucket is `murmur3("<group>:<asset>") % 100 + 1`, and it is in a stage of p % when its bucket is at
/// most p. Buckets are sticky (the same asset always lands in the same one) and cohorts nest (every
/// asset in the 5 % stage is also in the 25 % one).
public enum Bucketing {
    /// The seed Unleash uses to pick variants, so variant assignment does not correlate with rollout.
    public static let variantSeed: UInt32 = 86_028_157

    /// `murmur3("<group>:<id>", seed) % normalizer + 1`, in 1…normalizer.
    public static func normalizedValue(_ id: String, group: String, normalizer: UInt32 = 100, seed: UInt32 = 0) -> Int {
        precondition(normalizer > 0, "a bucket needs a positive normalizer")
        return Int(Murmur3.hash32("\(group):\(id)", seed: seed) % normalizer) + 1
    }

    /// Whether `asset` is inside a stage of `percent` % of gate `gate`.
    public static func isInCohort(asset: String, gate: String, percent: Double) -> Bool {
        percent > 0 && Double(normalizedValue(asset, group: gate)) <= percent
    }
}
