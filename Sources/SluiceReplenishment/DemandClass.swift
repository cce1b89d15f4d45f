/// The Syntetos–Boylan classes of a demand series, by its average inter-demand interval (ADI) and the
/// squared coefficient of variation of its non-zero sizes (CV²), cut at ADI 1.32 and CV² 0.49.
public enum DemandClass: String, Sendable, Codable, CaseIterable {
    /// Demand nearly every period, sizes alike (ADI < 1.32, CV² < 0.49).
    case smooth
    /// Demand nearly every period, sizes varying (ADI < 1.32, CV² ≥ 0.49).
    case erratic
    /// Demand in few periods, sizes alike (ADI ≥ 1.32, CV² < 0.49).
    case intermittent
    /// Demand in few periods, sizes varying (ADI ≥ 1.32, CV² ≥ 0.49).
    case lumpy

    /// The ADI cut-off.
    public static let adiCutoff = 1.32
    /// The CV² cut-off.
    public static let cv2Cutoff = 0.49

    /// The class of a series with these statistics.
    public init(adi: Double, cv2: Double) {
        switch (adi < Self.adiCutoff, cv2 < Self.cv2Cutoff) {
        case (true, true): self = .smooth
        case (true, false): self = .erratic
        case (false, true): self = .intermittent
        case (false, false): self = .lumpy
        }
    }
}

/// The demand statistics behind a classification.
public struct DemandProfile: Sendable, Equatable, Codable {
    /// Periods in the history.
    public let periods: Int
    /// Periods with non-zero demand.
    public let demandPeriods: Int
    /// Average inter-demand interval: periods per period with demand.
    public let adi: Double
    /// Squared coefficient of variation of the non-zero demand sizes.
    public let cv2: Double
    /// The Syntetos–Boylan class.
    public let demandClass: DemandClass

    /// The profile of `history` (one value per period, oldest first).
    ///
    /// - Throws: ``ReplenishmentError`` for an empty history or a negative or non-finite value.
    public init(history: [Double]) throws {
        guard !history.isEmpty else { throw ReplenishmentError(field: "demandHistory", "is empty: at least one period of demand is needed") }
        // One pass: count, sum and squares of the non-zero sizes, shifted by the first one so a large
        // level does not cost precision.
        var count = 0
        var shift = 0.0
        var sum = 0.0
        var squares = 0.0
        for d in history where !(d == 0) {
            guard d > 0, d.isFinite else {
                let i = history.firstIndex { !($0 >= 0 && $0.isFinite) } ?? 0
                throw ReplenishmentError(field: "demandHistory[\(i)]", "must be a finite number ≥ 0, got \(history[i])")
            }
            if count == 0 { shift = d }
            count += 1
            let x = d - shift
            sum += x
            squares += x * x
        }
        let mean = count > 0 ? shift + sum / Double(count) : 0
        periods = history.count
        demandPeriods = count
        if count == 0 {
            adi = .infinity
            cv2 = 0
        } else {
            adi = Double(history.count) / Double(count)
            let variance = count > 1 ? max(squares - sum * sum / Double(count), 0) / Double(count - 1) : 0
            cv2 = variance / (mean * mean)
        }
        demandClass = DemandClass(adi: adi, cv2: cv2)
    }
}
