import SluiceTelemetry
import Testing

@Suite("Telemetry CSV")
struct TelemetryCSVTests {
    private func error(_ text: String, options: TelemetryCSV.Options = .init()) -> TelemetryError? {
        do {
            _ = try TelemetryCSV.parse(text, source: "cell.csv", options: options)
            return nil
        } catch let error as TelemetryError {
            return error
        } catch {
            return nil
        }
    }

    @Test func readsSemicolonSeparatedCRLFWithTimeAndLabels() throws {
        let text = "datetime;a;b;anomaly\r\n2020-03-09 10:14:33;1.5;2;0\r\n2020-03-09 10:14:34;-1e-3;4;1\r\n"
        let frame = try TelemetryCSV.parse(text, source: "x.csv")
        #expect(frame.sensors == ["a", "b"])
        #expect(frame.values.elements == [1.5, 2, -0.001, 4])
        #expect(frame.labels["anomaly"] == [0, 1])
        #expect(frame.times!.count == 2)
        #expect(frame.times![1] - frame.times![0] == 1)
        #expect(frame.lines == [2, 3])
    }

    @Test func misspeltColumnIsNamedWithASuggestion() throws {
        let e = try #require(error("time,presure\n1,2\n", options: .init(sensors: ["pressure"])))
        #expect(e.line == 1)
        #expect(e.column == "pressure")
        #expect(e.description == "cell.csv:1: column 'pressure': missing column; did you mean 'presure'?")
    }

    @Test func nonNumericValueNamesLineAndColumn() throws {
        let e = try #require(error("a,b\n1,2\n3,abc\n"))
        #expect(e.description == "cell.csv:3: column 'b': 'abc' is not a number")
    }

    @Test(arguments: ["nan", "inf", "-inf"])
    func nonFiniteValueIsRefused(_ value: String) throws {
        let e = try #require(error("a,b\n1,\(value)\n"))
        #expect(e.line == 2 && e.column == "b")
        #expect(e.message.contains("not a finite number"))
    }

    @Test func emptyFieldIsRefused() throws {
        let e = try #require(error("a,b\n1,\n"))
        #expect(e.line == 2 && e.column == "b")
    }

    @Test func wrongRequestedSeparatorIsSaid() throws {
        let e = try #require(error("a;b\n1;2\n", options: .init(separator: ",")))
        #expect(e.line == 1)
        #expect(e.message.contains("separated by ';', not ','"))
    }

    @Test func rowWithAnotherSeparatorIsLocated() throws {
        let e = try #require(error("a,b,c\n1,2,3\n4;5;6\n"))
        #expect(e.line == 3)
        #expect(e.message.contains("expected 3 fields"))
        #expect(e.message.contains("';'"))
    }

    @Test func tooFewRowsIsSaid() throws {
        let e = try #require(error("a,b\n1,2\n", options: .init(minimumRows: 10)))
        #expect(e.message == "1 data rows, at least 10 needed")
    }

    @Test func badTimeIsLocated() throws {
        let e = try #require(error("time,a\nyesterday,1\n"))
        #expect(e.line == 2 && e.column == "time")
    }

    @Test func filterKeepsOneAssetAndRemembersLines() throws {
        let text = "time,asset,x\n0,a,1\n1,b,2\n2,a,3\n"
        let frame = try TelemetryCSV.parse(text, source: "s", options: .init(filter: ("asset", "a")))
        #expect(frame.sensors == ["x"])
        #expect(frame.values.elements == [1, 3])
        #expect(frame.lines == [2, 4])
    }

    @Test func missingFileIsSaid() {
        #expect(throws: TelemetryError.self) { try TelemetryCSV.read(path: "/nonexistent/cell.csv") }
    }

    @Test func timestampsRoundTrip() throws {
        let t = try #require(Timestamp.seconds(from: "2026-11-21 19:38:39"))
        #expect(Timestamp.format(t) == "2026-11-21 19:38:39")
        #expect(Timestamp.seconds(from: "1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.seconds(from: "2020-02-30x") == nil)
        #expect(Timestamp.format(951_782_400) == "2000-02-29 00:00:00")
    }

    @Test func quotedFieldsAreRead() throws {
        let text = "\"time\";\"a\";\"b;c\"\n\"2020-03-09 10:14:33\";\"1.5\";\"2\"\n"
        let frame = try TelemetryCSV.parse(text, source: "q.csv")
        #expect(frame.sensors == ["a", "b;c"])
        #expect(frame.times?.count == 1)
        #expect(frame.values.elements == [1.5, 2])
        let e = try #require(error("a,b\n\"1,2\n"))
        #expect(e.line == 2 && e.message.contains("not closed"))
    }

    @Test func labelsAndKeysAreNeverSensorsWhateverTheirCase() throws {
        let frame = try TelemetryCSV.parse("Time,Asset,x,Anomaly\n0,a,1,0\n", source: "s")
        #expect(frame.sensors == ["x"])
        #expect(frame.times != nil)
        #expect(frame.labels["Anomaly"] == [0])
        let live = try TelemetryCSV.parse("time,x,anomaly\n0,1,\n", source: "s", options: .init(readsLabels: false))
        #expect(live.sensors == ["x"] && live.labels.isEmpty)
    }

    @Test func oddLayoutsGetPlainMessagesOrWork() throws {
        let crOnly = try TelemetryCSV.parse("a,b\r1,2\r3,4\r", source: "s")
        #expect(crOnly.values.elements == [1, 2, 3, 4])
        let leadingBlank = try TelemetryCSV.parse("\n\na,b\n1,2\n", source: "s")
        #expect(leadingBlank.lines == [4])
        let unnamed = try #require(error("a,,b\n1,2,3\n"))
        #expect(unnamed.message == "column 2 of the header has no name")
    }

    @Test func impossibleDatesAndOffsets() throws {
        #expect(Timestamp.seconds(from: "2020-02-31 00:00:00") == nil)
        #expect(Timestamp.seconds(from: "2020-02-29 00:00:00") != nil)
        let utc = try #require(Timestamp.seconds(from: "2026-11-21T10:00:00Z"))
        #expect(Timestamp.seconds(from: "2026-11-21T11:00:00+01:00") == utc)
        #expect(Timestamp.seconds(from: "2026-11-21T09:30:00-00:30") == utc)
    }

    /// A table saved by a spreadsheet on Windows: a byte-order mark and "\r\n" line ends.
    @Test func aTableWithWindowsLineEndsAndAByteOrderMarkReadsAsWritten() throws {
        let table = try TelemetryCSV.table("\u{FEFF}x,decision\r\n1,approved\r\n\r\n2,rejected\r\n", source: "labels.csv")
        #expect(table.header == ["x", "decision"])
        #expect(table.records.map(\.line) == [2, 4])
        #expect(table.records.map(\.fields) == [["1", "approved"], ["2", "rejected"]])
    }
}
