//! Hooks between the rule directory and the classifier.

use crate::error::Problem;
use crate::rules::RuleSet;
use crate::source::Source;

/// Check the classifier file against the vocabulary.
pub fn check_classifier(_set: &RuleSet, _source: &Source) -> Vec<Problem> {
    Vec::new()
}
