import Foundation

/// Durations counted in buckets that grow by 5% each, so percentiles since start cost fixed memory and are
/// within 5% of the exact figure, however many requests the daemon serves.
struct LatencyHistogram: Sendable {
    private static let smallestMilliseconds = 0.01
    private static let growth = 1.05
    /// 0.01 ms to beyond the protocol's 60 s timeout.
    private static let bucketCount = 330

    private var counts = [Int](repeating: 0, count: bucketCount)
    private(set) var total = 0

    mutating func record(milliseconds: Double) {
        let position = log(max(milliseconds, Self.smallestMilliseconds) / Self.smallestMilliseconds) / log(Self.growth)
        counts[min(Int(position), Self.bucketCount - 1)] += 1
        total += 1
    }

    /// The duration below which `fraction` of the recorded ones fall (the bucket's upper bound); nil when empty.
    func percentile(_ fraction: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(total)).rounded(.up)))
        var seen = 0
        for (bucket, count) in counts.enumerated() {
            seen += count
            if seen >= rank { return Self.smallestMilliseconds * pow(Self.growth, Double(bucket + 1)) }
        }
        return nil
    }
}
