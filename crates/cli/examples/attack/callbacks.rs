//! Forged and replayed callbacks (the admin's return from WeChat's pages).

use super::*;

/// Callbacks: tampered and forged states, replays of the genuine ones, hostile parameters.
pub(super) async fn callbacks(
    target: &Target,
    tally: &mut Tally,
    rng: &mut impl Rng,
    genuine: &Genuine,
    rounds: usize,
) {
    let replays = [
        genuine.authorize_callback.clone(),
        genuine.fastregister_callback.clone(),
    ];
    for _ in 0..rounds {
        for url in &replays {
            let s = target.send(target.http.get(url)).await;
            tally.note("callbacks", "genuine callback replayed", s);
            // The same without its code or ticket (a "declined" landing), and with another one.
            let parsed = url::Url::parse(url).expect("a URL");
            let state: String = parsed
                .query_pairs()
                .find(|(k, _)| k == "state")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let base = format!("{}{}", target.service, parsed.path());
            for query in [
                format!("state={}", enc(&state)),
                format!(
                    "state={}&auth_code=queryauthcode@@@forged&ticket=forged-ticket",
                    enc(&state)
                ),
                format!("state={}&auth_code=&ticket=", enc(&state)),
            ] {
                let s = target.send(target.http.get(format!("{base}?{query}"))).await;
                tally.note("callbacks", "genuine state, other parameters", s);
            }
            for _ in 0..60 {
                let mut forged = state.clone().into_bytes();
                if !forged.is_empty() {
                    let i = rng.gen_range(0..forged.len());
                    forged[i] = rng.gen_range(b'0'..b'z');
                }
                let forged = String::from_utf8_lossy(&forged).into_owned();
                let query = match rng.gen_range(0..4) {
                    0 => format!("state={}&auth_code=x&ticket=y", enc(&forged)),
                    1 => format!(
                        "state={}&auth_code={}&ticket={}",
                        enc(&nasty(rng)),
                        enc(&nasty(rng)),
                        enc(&nasty(rng))
                    ),
                    2 => format!("state={}&state={}&ticket=t", enc(&state), enc(&forged)),
                    _ => String::new(),
                };
                let s = target.send(target.http.get(format!("{base}?{query}"))).await;
                tally.note("callbacks", "forged state", s);
            }
        }
        for _ in 0..30 {
            let s = target
                .send(
                    target
                        .http
                        .get(format!("{}/callback/rebind?{}", target.service, enc(&nasty(rng)))),
                )
                .await;
            tally.note("callbacks", "rebind callback, hostile query", s);
        }
    }
}
