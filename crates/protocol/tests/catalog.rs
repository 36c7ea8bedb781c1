//! The error catalog against the spec it was written from: every code of every error table of
//! `docs/spec/fast-register.md` must be in the catalog with the spec's own Chinese wording, and
//! the global codes must carry the class the client's retry logic relies on.

use std::collections::BTreeSet;

use fastreg_protocol::catalog::{self, ErrorClass, Lang};

const SPEC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/spec/fast-register.md"));

/// One data row of an error table: the code and the spec's Chinese text for it.
struct SpecRow {
    code: i64,
    zh: String,
    line: usize,
}

/// What walking the spec's error tables found.
struct SpecTables {
    /// Error tables seen (header names 错误码 / 返回码 / errcode), numeric rows or not.
    tables: usize,
    /// Every numeric row, in spec order (a code may appear in several tables).
    rows: Vec<SpecRow>,
    /// Rows whose first cell is not a number (`非 0`).
    skipped: Vec<String>,
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_string())
        .collect()
}

fn is_separator(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Walks every markdown table; keeps the rows of those whose header names an error code.
fn spec_error_tables() -> SpecTables {
    let mut found = SpecTables {
        tables: 0,
        rows: Vec::new(),
        skipped: Vec::new(),
    };
    let lines: Vec<&str> = SPEC.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let header = lines[i].trim();
        let starts_table = header.starts_with('|') && lines.get(i + 1).is_some_and(|next| is_separator(next));
        if !starts_table {
            i += 1;
            continue;
        }
        let is_error_table = ["错误码", "返回码", "errcode"].iter().any(|k| header.contains(k));
        if is_error_table {
            found.tables += 1;
        }
        i += 2;
        while i < lines.len() && lines[i].trim().starts_with('|') {
            if is_error_table {
                let row = cells(lines[i]);
                match row[0].parse::<i64>() {
                    Ok(code) => found.rows.push(SpecRow {
                        code,
                        zh: row[1].clone(),
                        line: i + 1,
                    }),
                    Err(_) => found.skipped.push(lines[i].trim().to_string()),
                }
            }
            i += 1;
        }
    }
    found
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c,
            '\u{3000}'..='\u{303F}'     // CJK punctuation
            | '\u{3400}'..='\u{4DBF}'   // extension A
            | '\u{4E00}'..='\u{9FFF}'   // unified ideographs
            | '\u{F900}'..='\u{FAFF}'   // compatibility ideographs
            | '\u{FF00}'..='\u{FFEF}') // full-width forms (，：；（）)
    })
}

/// Every code of every error table of the spec is in the catalog, worded as the spec words it.
#[test]
fn every_spec_error_code_is_catalogued_with_the_spec_wording() {
    let spec = spec_error_tables();
    let distinct: BTreeSet<i64> = spec.rows.iter().map(|r| r.code).collect();
    println!(
        "walked {} error tables: {} rows, {} distinct codes, skipped {:?}",
        spec.tables,
        spec.rows.len(),
        distinct.len(),
        spec.skipped
    );

    // Counted by hand: fastregister 12, checkwxverifynickname 10, setnickname 11,
    // querynickname 2, modifyheadimage 6, modifysignature 3, modifycategory 9,
    // componentrebindadmin 6 = 59 rows; 40097 is in two tables, so 58 codes. The ninth error
    // table (getaccountbasicinfo) has only the row `非 0 | 异常`.
    assert_eq!(spec.tables, 9, "error tables");
    assert_eq!(spec.rows.len(), 59, "numeric rows");
    assert_eq!(distinct.len(), 58, "distinct codes");
    assert_eq!(spec.skipped.len(), 1, "non-numeric rows: {:?}", spec.skipped);
    assert!(!distinct.contains(&61059), "the spec has no 61059");

    for row in &spec.rows {
        let e = catalog::lookup(row.code)
            .unwrap_or_else(|| panic!("spec line {}: {} is not in the catalog", row.line, row.code));
        assert!(!row.zh.is_empty(), "spec line {}: empty text", row.line);
        assert!(
            e.zh.contains(row.zh.as_str()),
            "{}: catalog zh {:?} does not contain the spec's {:?} (line {})",
            row.code,
            e.zh,
            row.zh,
            row.line
        );
        for (field, text) in [
            ("en", e.en),
            ("zh", e.zh),
            ("remedy_en", e.remedy_en),
            ("remedy_zh", e.remedy_zh),
        ] {
            assert!(!text.trim().is_empty(), "{}: empty {field}", row.code);
        }
    }
}

/// The global codes a client meets on any call, with the class its retry logic relies on.
#[test]
fn global_codes_are_present_with_their_class() {
    use ErrorClass::*;
    let expected = [
        (-1, RetryLater),
        (40001, RefreshToken),
        (40013, Permanent),
        (40014, RefreshToken),
        (41001, Permanent),
        (42001, RefreshToken),
        (45009, QuotaExhausted),
        (48001, OperatorMustAct),
        (61003, OperatorMustAct),
        (61004, OperatorMustAct),
        (61005, RetryLater),
        (61006, RetryLater),
        (61011, OperatorMustAct),
        // The refresh token is gone: only the account admin authorizing again helps.
        (61023, OperatorMustAct),
        (61024, Permanent),
        (89503, OperatorMustAct),
        (41004, Permanent),
        (40125, OperatorMustAct),
        (47001, Permanent),
        (40004, Permanent),
        (41033, Permanent),
        (53309, Permanent),
        (91019, RetryLater),
        (91013, OperatorMustAct),
        (91014, OperatorMustAct),
        (91016, OperatorMustAct),
        (91017, OperatorMustAct),
    ];
    for (code, class) in expected {
        assert_eq!(catalog::class_of(code), Some(class), "class of {code}");
    }
}

/// Quotas are waited out, not retried: a retry loop on these would only burn calls.
#[test]
fn quota_codes_are_quota_exhausted() {
    for code in [45009, 61055, 53200, 53202, 53300, 53011] {
        assert_eq!(catalog::class_of(code), Some(ErrorClass::QuotaExhausted), "{code}");
    }
    assert!(catalog::lookup(61055).unwrap().remedy_en.contains("1st of next month"));
}

/// 61058 is final for its ticket (a retry within 5 s gets it too); name problems need a person.
#[test]
fn ticket_and_name_codes_have_their_class() {
    assert_eq!(catalog::class_of(61058), Some(ErrorClass::Permanent));
    for code in (53010..=53019).filter(|c| *c != 53011).chain(91004..=91009) {
        assert_eq!(catalog::class_of(code), Some(ErrorClass::OperatorMustAct), "{code}");
    }
}

/// An unknown code is described, never dropped: the number must survive into the line.
#[test]
fn unknown_code_is_described_with_its_number() {
    for code in [61059, 91018, 0, -2, 999_999, i64::MIN, i64::MAX] {
        assert!(catalog::lookup(code).is_none(), "{code} should be unknown");
        assert_eq!(catalog::class_of(code), None);
        let en = catalog::describe(code, Lang::En);
        assert_eq!(en, format!("unknown WeChat error code {code}"));
        let zh = catalog::describe(code, Lang::Zh);
        assert!(zh.contains(&code.to_string()), "{zh}");
        assert!(has_cjk(&zh), "{zh}");
    }
}

/// A known code is one line with the code, the meaning and the remedy, in the asked language.
#[test]
fn describe_gives_code_meaning_and_remedy_on_one_line() {
    for e in catalog::all() {
        for (lang, meaning, remedy) in [(Lang::En, e.en, e.remedy_en), (Lang::Zh, e.zh, e.remedy_zh)] {
            let line = catalog::describe(e.code, lang);
            assert!(line.contains(&e.code.to_string()), "{line}");
            assert!(line.contains(meaning), "{line}");
            assert!(line.contains(remedy), "{line}");
            assert!(!line.contains('\n'), "{line}");
        }
    }
}

/// English text is readable without Chinese; Chinese text is Chinese.
#[test]
fn english_has_no_cjk_and_chinese_has_cjk() {
    for e in catalog::all() {
        assert!(!has_cjk(e.en), "{}: en has CJK: {}", e.code, e.en);
        assert!(!has_cjk(e.remedy_en), "{}: remedy_en has CJK: {}", e.code, e.remedy_en);
        assert!(has_cjk(e.zh), "{}: zh has no CJK: {}", e.code, e.zh);
        assert!(
            has_cjk(e.remedy_zh),
            "{}: remedy_zh has no CJK: {}",
            e.code,
            e.remedy_zh
        );
    }
}

/// The catalog is the spec's codes plus the global and extra ones, nothing invented.
#[test]
fn catalog_is_the_spec_plus_the_global_codes() {
    let spec: BTreeSet<i64> = spec_error_tables().rows.iter().map(|r| r.code).collect();
    let extra: BTreeSet<i64> = [
        -1, 40001, 40004, 40006, 40013, 40014, 40125, 41001, 41004, 41005, 41033, 42001, 45009, 47001, 48001, 53309,
        61003, 61004, 61005, 61006, 61009, 61010, 61011, 61014, 61015, 61023, 61024, 89503, 91013, 91014, 91016, 91017,
        91019, // The newer setSignature doc's code for a signature of the wrong length (rules.rs).
        53204,
    ]
    .into();
    // The other registration routes (registration-routes.md §1–§3).
    let registration_routes: BTreeSet<i64> = [
        40003, 45011, 61070, 86004, 86011, 86021, 86022, 86030, 86031, 86032, 86033, 86034, 86036, 86040, 89247, 89248,
        89249, 89250, 89251, 89252, 89253, 89254, 89255, 89295, 91020, 91021, 91030,
    ]
    .into();
    // The lifecycle's codes (`catalog/lifecycle.rs`, issue 15): every code the lifecycle spec
    // (`../shared/spec/lifecycle.md` §1–§7) gives a meaning for on the calls the emulator models.
    let lifecycle: BTreeSet<i64> = [
        40005, 40126, 43001, 43002, 44002, 61039, 61040, 85001, 85002, 85003, 85004, 85006, 85007, 85008, 85009, 85010,
        85011, 85012, 85013, 85014, 85015, 85016, 85017, 85018, 85019, 85020, 85021, 85022, 85023, 85043, 85044, 85045,
        85046, 85047, 85048, 85051, 85052, 85064, 85065, 85079, 85080, 85081, 85082, 85083, 85084, 85085, 85086, 85087,
        85092, 85093, 85094, 85301, 85302, 85303, 86000, 86001, 86002, 86069, 86070, 86071, 86072, 86073, 86074, 86075,
        86100, 86101, 86102, 87011, 87012, 87013, 89019, 89020, 89021, 89029, 89401, 89402, 89403, 89404, 89405,
        9402202,
    ]
    .into();
    let catalogued: BTreeSet<i64> = catalog::all().iter().map(|e| e.code).collect();
    let expected: BTreeSet<i64> = spec
        .union(&extra)
        .chain(registration_routes.iter())
        .chain(lifecycle.iter())
        .copied()
        .collect();
    assert_eq!(catalogued, expected);
    assert_eq!(catalogued.len(), 92 + 27 + 80);
    assert_eq!(catalog::all().len(), 92 + 27 + 80);
}
