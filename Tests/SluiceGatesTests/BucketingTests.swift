import Foundation
import SluiceGates
import Testing

@Suite("MurmurHash3 and bucketing")
struct BucketingTests {
    @Test func murmur3MatchesPublishedVectors() {
        #expect(Murmur3.hash32("", seed: 0) == 0)
        #expect(Murmur3.hash32("", seed: 1) == 0x514e_28b7)
        #expect(Murmur3.hash32("Hello, world!", seed: 1234) == 0xfaf6_cdb3)
        #expect(Murmur3.hash32("The quick brown fox jumps over the lazy dog", seed: 0) == 0x2e4f_f723)
        #expect(Murmur3.hash32("abc", seed: 0) == 0xb3dd_93fa)
    }

    @Test func cohortsAreStickyAndNested() {
        let assets = (0..<2_000).map { "asset-\($0)" }
        let five = Set(assets.filter { Bucketing.isInCohort(asset: $0, gate: "g", percent: 5) })
        let twentyFive = Set(assets.filter { Bucketing.isInCohort(asset: $0, gate: "g", percent: 25) })
        #expect(five.isSubset(of: twentyFive))
        #expect(assets.allSatisfy { Bucketing.isInCohort(asset: $0, gate: "g", percent: 100) })
        #expect(!assets.contains { Bucketing.isInCohort(asset: $0, gate: "g", percent: 0) })
        // Roughly the share asked for, and a different gate draws a different cohort.
        #expect(abs(Double(twentyFive.count) / 2_000 - 0.25) < 0.04)
        let other = Set(assets.filter { Bucketing.isInCohort(asset: $0, gate: "h", percent: 25) })
        #expect(other != twentyFive)
    }
}
