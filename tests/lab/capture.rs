//! capture: re-captures raw responses from the real servers into fixtures/captures/ (run by
//! scripts/capture-fixtures; ignored in normal test runs).
