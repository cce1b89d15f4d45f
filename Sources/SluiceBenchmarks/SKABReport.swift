import Foundation

/// Text tables of SKAB results, next to the published leaderboard.
public enum SKABReport {
    /// Published outlier results (F1, FAR %, MAR %) on all 34 SKAB files, from the SKAB leaderboard.
    public static let publishedOutliers: [(String, Double, Double, Double)] = [
        ("Conv-AE", 0.78, 13.55, 28.02), ("MSET", 0.78, 39.73, 14.13), ("PCA T²+Q", 0.76, 26.62, 24.92),
        ("LSTM-AE", 0.74, 29.96, 25.92), ("T²", 0.66, 19.21, 42.6), ("Isolation forest", 0.29, 2.56, 82.89),
    ]

    /// A table with one line per result: F1, FAR, MAR and the three NAB scores.
    public static func table(_ results: [SKABResult]) -> String {
        let width = max(18, (results.map(\.detector.count).max() ?? 0) + 1)
        var lines = [
            "detector".padding(toLength: width, withPad: " ", startingAt: 0)
                + "  F1     FAR %   MAR %   NAB std  NAB lowFP  NAB lowFN   files  seconds"
        ]
        for r in results {
            lines.append(
                String(
                    format: "%@ %5.3f  %6.2f  %6.2f   %6.2f   %7.2f    %7.2f   %5d  %7.2f",
                    r.detector.padding(toLength: width, withPad: " ", startingAt: 0) as NSString, r.outliers.f1,
                    r.outliers.falseAlarmRate, r.outliers.missingAlarmRate, r.nab["standard"] ?? 0, r.nab["lowFP"] ?? 0, r.nab["lowFN"] ?? 0,
                    r.files, r.seconds))
        }
        return lines.joined(separator: "\n")
    }
}
