//! The home of `ok.healthy`: nothing is wrong. It explains an open baseline and nothing that
//! shows a browser or a later message would fail.

use super::*;

/// The baseline upgraded and stayed open.
fn open(b: &AttemptObs) -> Option<bool> {
    Some(b.class == O::Open)
}

/// The homes of this category, in catalogue order.
pub(super) static HOMES: &[&Home] = &[&HEALTHY];

/// `ok.healthy`
pub(super) static HEALTHY: Home = Home {
    cause: Cause::Healthy,
    prior: 0.2,
    symptom: "The baseline upgrades (101) and stays open through the close-wait; ping answered.",
    confirm: "`wsdoctor URL` exits 0 and shows `101` then `open` for the baseline; with `--idle 60s` the connection also survives a quiet minute.",
    remedies: &[
        "nothing to fix; see the findings for hardening",
    ],
    produces: open,
    predicts: silent,
    reads: &[
        // What browsers get too: the HTTP/2 path they take where it is advertised, a session
        // they can keep, a 101 they accept.
        denies(Sign::Http2PathRefused, Expected::OpenForBrowsersToo, HARD),
        denies(Sign::PingFlood, Expected::OpenForBrowsersToo, HARD),
        denies(Sign::BrowserRefusesThe101, Expected::OpenForBrowsersToo, HARD),
        denies(Sign::BrokenAfterThe101, Expected::WebSocketAfterThe101, HARD),
        denies(Sign::BrowserShapeRefused, Expected::BrowsersGetTheSame, HARD),
        denies(Sign::IdleCut, Expected::OpenThroughTheHold, HARD),
        denies(Sign::ExchangeClosedOverTheCarriedCredential, Expected::TheExchangeStaysOpen, HARD),
        denies(Sign::ExchangeClosedOverAMissingCredential, Expected::TheExchangeStaysOpen, HARD),
        denies(Sign::ExchangeClosedOverOrigin, Expected::TheExchangeStaysOpen, HARD),
    ],
    ..DEFAULT
};

#[cfg(test)]
mod tests {
    use crate::diagnose::rules::simulate::*;

    /// The run `ok.healthy` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn healthy_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::Healthy,
            simulated(&WITH_TOKEN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| a(x).upgraded())
            }),
        );
        check(cause, &run);
    }
}
