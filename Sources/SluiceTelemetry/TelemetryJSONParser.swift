import Foundation

/// Reads a telemetry batch from JSON bytes in one pass.
///
/// Ingest reads a thousand samples per request, many times a second; a general decoder spends most of
/// its time on the machinery of `Codable`. This parser knows the batch's shape, accepts keys in any order,
/// ignores keys it does not know, and is lenient item by item: a malformed sample gets its problem said
/// and the rest of the batch is read. Only bytes that are not JSON, or a body that is not an object, fail
/// the whole batch, with the line and column.
struct TelemetryJSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    /// Nesting deeper than this is refused: a batch needs four levels, and recursion must stay bounded.
    private static let maximumDepth = 32

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The batch, or a ``TelemetryJSONError`` saying where the JSON breaks.
    static func parse(_ data: Data) throws(TelemetryJSONError) -> TelemetryBatch {
        do {
            return try data.withUnsafeBytes { raw in
                var parser = TelemetryJSONParser(raw.bindMemory(to: UInt8.self))
                return try parser.batch()
            }
        } catch let error as TelemetryJSONError {
            throw error
        } catch {
            throw TelemetryJSONError("the body cannot be read: \(error)")
        }
    }

    /// A generic JSON value, for what the batch does not expect (reported as the wrong type, or skipped).
    private enum Shape {
        case object, array
        case string(String)
        case number(Double)
        case bool, null
    }

    private mutating func batch() throws -> TelemetryBatch {
        skipSpace()
        guard peek() == UInt8(ascii: "{") else {
            throw TelemetryJSONError("the body must be a JSON object {\"samples\": [...], \"movements\": [...]}")
        }
        var batch = TelemetryBatch()
        try object { parser, key in
            switch key {
            case "samples":
                guard parser.peek() == UInt8(ascii: "[") else { throw parser.fail("'samples' must be a list") }
                try parser.array { parser in batch.samples.append(try parser.sample()) }
            case "movements":
                guard parser.peek() == UInt8(ascii: "[") else { throw parser.fail("'movements' must be a list") }
                try parser.array { parser in batch.movements.append(try parser.movement()) }
            default:
                _ = try parser.value()
            }
        }
        skipSpace()
        guard index == bytes.count else { throw fail("unexpected text after the batch") }
        return batch
    }

    private mutating func sample() throws -> TelemetryBatch.Sample {
        var sample = TelemetryBatch.Sample(asset: nil, time: nil, values: nil)
        guard peek() == UInt8(ascii: "{") else {
            _ = try value()
            sample.problem = "a sample must be an object with asset, time and values"
            return sample
        }
        try object { parser, key in
            switch key {
            case "asset":
                if case .string(let text) = try parser.value() { sample.asset = text } else { sample.problem = "asset must be a string" }
            case "time":
                if case .string(let text) = try parser.value() {
                    sample.time = text
                } else {
                    sample.problem = "time must be an RFC 3339 string such as 2026-11-21T08:00:00.250Z"
                }
            case "values":
                guard parser.peek() == UInt8(ascii: "{") else {
                    _ = try parser.value()
                    sample.problem = "values must be an object of sensor names to numbers"
                    return
                }
                var values: [String: TelemetryBatch.Value] = [:]
                values.reserveCapacity(8)
                try parser.object { parser, sensor in
                    switch try parser.value() {
                    case .number(let x): values[sensor] = .number(x)
                    case .string(let text): values[sensor] = .invalid("the string \"\(text.prefix(20))\"")
                    case .null: values[sensor] = .invalid("null")
                    default: values[sensor] = .invalid("not a number")
                    }
                }
                sample.values = values
            default:
                _ = try parser.value()
            }
        }
        return sample
    }

    private mutating func movement() throws -> TelemetryBatch.Movement {
        var movement = TelemetryBatch.Movement(item: nil, kind: nil, quantity: nil, time: nil)
        guard peek() == UInt8(ascii: "{") else {
            _ = try value()
            movement.problem = "a movement must be an object with item, kind, quantity and time"
            return movement
        }
        try object { parser, key in
            let value = try parser.value()
            switch (key, value) {
            case ("item", .string(let text)): movement.item = text
            case ("kind", .string(let text)): movement.kind = text
            case ("quantity", .number(let x)): movement.quantity = x
            case ("quantity", _): movement.problem = "quantity must be a number"
            case ("time", .string(let text)): movement.time = text
            case ("time", _): movement.problem = "time must be an RFC 3339 string"
            default: break
            }
        }
        return movement
    }

    // MARK: JSON

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Reads an object, calling `field` with the parser positioned at each value.
    private mutating func object(_ field: (inout TelemetryJSONParser, String) throws -> Void) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw fail("nested more than \(Self.maximumDepth) levels deep") }
        index += 1
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipSpace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a key in quotes") }
            let key = try string()
            skipSpace()
            guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after the key \"\(key.prefix(40))\"") }
            index += 1
            skipSpace()
            try field(&self, key)
            skipSpace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw fail("expected ',' or '}' in an object")
            }
        }
    }

    /// Reads an array, calling `element` with the parser positioned at each element.
    private mutating func array(_ element: (inout TelemetryJSONParser) throws -> Void) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw fail("nested more than \(Self.maximumDepth) levels deep") }
        index += 1
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipSpace()
            try element(&self)
            skipSpace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw fail("expected ',' or ']' in a list")
            }
        }
    }

    private mutating func value() throws -> Shape {
        skipSpace()
        guard let byte = peek() else { throw fail("the body ends too early") }
        switch byte {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"):
            try object { parser, _ in _ = try parser.value() }
            return .object
        case UInt8(ascii: "["):
            try array { parser in _ = try parser.value() }
            return .array
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected character '\(Character(Unicode.Scalar(byte)))'")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("the body ends too early") }
        for k in 0..<count where bytes[index + k] != word.utf8Start[k] { throw fail("expected \(word)") }
        index += count
    }

    private mutating func string() throws -> String {
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if byte < 0x20 { throw fail("a control character inside a string") }
            index += 1
        }
        throw fail("a string is not closed")
    }

    /// The slow path, for strings with escapes.
    private mutating func escapedString(from start: Int) throws -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self).unicodeScalars)
        var pending: [UInt8] = []
        func flush() {
            if !pending.isEmpty { scalars.append(contentsOf: String(decoding: pending, as: UTF8.self).unicodeScalars) }
            pending.removeAll(keepingCapacity: true)
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                guard let escape = peek() else { throw fail("a string is not closed") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(Unicode.Scalar(escape))
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                    {
                        index += 2
                        let low = try hex4()
                        // A high surrogate must be followed by a low one; anything else is replaced, not trusted.
                        code = (0xDC00..<0xE000).contains(low) ? 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
                    }
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: throw fail("an unknown escape in a string")
                }
            default:
                if byte < 0x20 { throw fail("a control character inside a string") }
                pending.append(byte)
            }
        }
        throw fail("a string is not closed")
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("a \\u escape is cut short") }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 55)
            default: throw fail("a \\u escape needs four hex digits")
            }
            code = code << 4 | digit
            index += 1
        }
        return code
    }

    private static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// A JSON number. Up to 15 significant digits and a small exponent is read exactly by the fast path
    /// (the digits and the power of ten are both exact doubles, so one division or product rounds once);
    /// anything else goes to the C library.
    private mutating func number() throws -> Double {
        let start = index
        var negative = false
        if peek() == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        guard let first = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { throw fail("a number needs digits") }
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(byte - 48) } else { exponent += 1 }
            if mantissa > 0 || digits > 0 { digits += 1 }
            index += 1
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw fail("a number needs digits after '.'") }
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(byte - 48)
                    exponent -= 1
                    if mantissa > 0 || digits > 0 { digits += 1 }
                }
                index += 1
            }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            var sign = 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") {
                sign = peek() == UInt8(ascii: "-") ? -1 : 1
                index += 1
            }
            guard let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw fail("a number's exponent needs digits") }
            var e = 0
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                if e < 100_000 { e = e * 10 + Int(byte - 48) }
                index += 1
            }
            exponent += sign * e
        }
        if digits <= 15, abs(exponent) <= 22 {
            let value = exponent < 0 ? Double(mantissa) / Self.powersOfTen[-exponent] : Double(mantissa) * Self.powersOfTen[exponent]
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        return strtod(text, nil)
    }

    /// An error at the current position, as line and column.
    private func fail(_ message: String) -> TelemetryJSONError {
        var line = 1
        var column = 1
        for i in 0..<min(index, bytes.count) {
            if bytes[i] == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return TelemetryJSONError("the body is not valid JSON at line \(line), column \(column): \(message)")
    }
}
