//! Test results read from the structured reports the runners write: JUnit XML (nextest, the
//! JUnit console launcher, node's test runner) and SwiftPM's xUnit XML, which share the
//! `<testcase>` element this module counts.

use std::fmt;

use anyhow::{bail, Context, Result};
use camino::Utf8Path;

/// How many tests passed, failed and were skipped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl Counts {
    /// One failure: a suite that could not run or ran without a usable report.
    pub const BROKEN: Counts = Counts { passed: 0, failed: 1, skipped: 0 };

    /// Adds another report's counts.
    pub fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

impl fmt::Display for Counts {
    /// The line format CI reads: "N passed, N failed".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)
    }
}

/// Counts the `<testcase>` elements of a JUnit/xUnit document, wherever they are nested
/// (nextest and SwiftPM put them in `<testsuite>`s, node directly in `<testsuites>`).
/// A test case with a `<failure>` or `<error>` failed; one with `<skipped>` was skipped;
/// any other passed (nextest's `<flakyFailure>` marks a test that passed on a retry).
pub fn count_junit(xml: &str) -> Result<Counts> {
    let xml = without_control_characters(xml);
    let doc = roxmltree::Document::parse(&xml).context("not well-formed XML")?;
    let mut counts = Counts::default();
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let has = |tag: &str| case.children().any(|c| c.has_tag_name(tag));
        if has("failure") || has("error") {
            counts.failed += 1;
        } else if has("skipped") {
            counts.skipped += 1;
        } else {
            counts.passed += 1;
        }
    }
    Ok(counts)
}

/// `xml` with the control characters XML 1.0 forbids replaced by U+FFFD. Node's JUnit
/// reporter copies a failure's message verbatim, and Playwright's call logs carry terminal
/// colour codes (ESC): without this, one failing browser test made the whole report
/// unreadable and the suite counted "0 passed, 1 failed" instead of naming the failures.
fn without_control_characters(xml: &str) -> std::borrow::Cow<'_, str> {
    let forbidden = |c: char| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r');
    if xml.contains(forbidden) {
        std::borrow::Cow::Owned(xml.replace(forbidden, "\u{fffd}"))
    } else {
        std::borrow::Cow::Borrowed(xml)
    }
}

/// Counts one report file.
pub fn read_junit(path: &Utf8Path) -> Result<Counts> {
    let xml = std::fs::read_to_string(path).with_context(|| format!("no test report at {path}"))?;
    count_junit(&xml).with_context(|| format!("test report {path}"))
}

/// Counts every `*.xml` report in `dir` (the JUnit console launcher writes one per engine).
pub fn read_junit_dir(dir: &Utf8Path) -> Result<Counts> {
    let mut total = Counts::default();
    let mut reports = 0;
    for entry in dir.read_dir_utf8().with_context(|| format!("no test reports in {dir}"))? {
        let path = entry?.into_path();
        if path.extension() == Some("xml") {
            total.add(read_junit(&path)?);
            reports += 1;
        }
    }
    if reports == 0 {
        bail!("no test report (*.xml) in {dir}");
    }
    Ok(total)
}

/// The suite's result from its report and its runner's exit status: a suite that ran no test
/// failed, and so did one whose runner failed although the report shows no failing test (a
/// crash after the last test, a failing hook); that counts as one failure.
pub fn judge(report: Counts, runner_succeeded: bool) -> Result<Counts> {
    if report.passed + report.failed == 0 {
        bail!("the report holds no test that ran");
    }
    if !runner_succeeded && report.failed == 0 {
        eprintln!("the test runner failed although its report shows no failing test: counted as one failure");
        return Ok(Counts { failed: 1, ..report });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEXTEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="nextest-run" tests="4" failures="1" errors="0">
  <testsuite name="nyckel-core" tests="4" disabled="0" errors="0" failures="1">
    <testcase name="codes::tests::rfc_vectors" classname="nyckel-core" time="0.01"/>
    <testcase name="vault::tests::flaky" classname="nyckel-core" time="0.02">
      <flakyFailure message="first try failed" type="test failure"/>
    </testcase>
    <testcase name="vault::tests::broken" classname="nyckel-core" time="0.02">
      <failure message="assertion failed" type="test failure"/>
      <rerunFailure message="again" type="test failure"/>
    </testcase>
    <testcase name="vault::tests::ignored" classname="nyckel-core" time="0">
      <skipped/>
    </testcase>
  </testsuite>
</testsuites>"#;

    #[test]
    fn nextest_flaky_passes_and_failure_with_reruns_fails_once() {
        let counts = count_junit(NEXTEST).unwrap();
        assert_eq!(counts, Counts { passed: 2, failed: 1, skipped: 1 });
        assert_eq!(counts.to_string(), "2 passed, 1 failed");
    }

    #[test]
    fn node_cases_directly_under_testsuites_and_errors_count_as_failed() {
        let xml = r#"<testsuites>
            <testcase name="one" classname="test"/>
            <testcase name="two" classname="test" failure="boom"><failure type="testCodeFailure" message="boom">x</failure></testcase>
            <testsuite name="x"><testcase name="three"><error message="crash"/></testcase></testsuite>
        </testsuites>"#;
        assert_eq!(count_junit(xml).unwrap(), Counts { passed: 1, failed: 2, skipped: 0 });
    }

    #[test]
    fn terminal_colour_codes_in_a_failure_message_still_count_each_case() {
        let xml = "<testsuites>\n<testcase name=\"a\"/>\n<testcase name=\"b\"><failure message=\"\u{1b}[2m- waiting\u{1b}[22m\">\u{1b}[2mlog\u{1b}[22m</failure></testcase>\n</testsuites>";
        assert!(roxmltree::Document::parse(xml).is_err(), "the raw report is not XML");
        assert_eq!(count_junit(xml).unwrap(), Counts { passed: 1, failed: 1, skipped: 0 });
    }

    #[test]
    fn malformed_report_is_an_error() {
        assert!(count_junit("<testsuites><testcase name=\"a\">").is_err());
    }

    #[test]
    fn no_test_ran_fails_the_suite() {
        assert!(judge(Counts::default(), true).is_err());
        assert!(judge(Counts { skipped: 3, ..Counts::default() }, true).is_err());
    }

    #[test]
    fn failing_runner_with_a_clean_report_counts_one_failure() {
        let report = Counts { passed: 5, failed: 0, skipped: 0 };
        assert_eq!(judge(report, false).unwrap(), Counts { passed: 5, failed: 1, skipped: 0 });
        assert_eq!(judge(report, true).unwrap(), report);
        let failing = Counts { passed: 5, failed: 2, skipped: 0 };
        assert_eq!(judge(failing, false).unwrap(), failing);
    }

    #[test]
    fn a_directory_without_reports_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = camino::Utf8Path::from_path(tmp.path()).unwrap();
        assert!(read_junit_dir(dir).is_err());
        std::fs::write(dir.join("notes.txt"), "not a report").unwrap();
        assert!(read_junit_dir(dir).is_err());
        std::fs::write(dir.join("TEST-junit-jupiter.xml"), NEXTEST).unwrap();
        assert_eq!(read_junit_dir(dir).unwrap(), Counts { passed: 2, failed: 1, skipped: 1 });
    }
}
