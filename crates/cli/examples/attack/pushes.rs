//! Fuzzed, forged, stale and replayed pushes.

use super::*;

/// A genuinely signed component push of `xml` with `timestamp`: the query and the body.
pub(super) fn sign_push(crypt: &MsgCrypt, xml: &str, timestamp: i64, nonce: &str) -> (String, String) {
    let ts = timestamp.to_string();
    let envelope = crypt.seal(xml, &ts, nonce);
    let query = format!(
        "signature={}&timestamp={ts}&nonce={nonce}&encrypt_type=aes&msg_signature={}",
        url_signature(COMPONENT_TOKEN, &ts, nonce),
        envelope.msg_signature
    );
    let body = format!(
        "<xml><AppId><![CDATA[{COMPONENT_APPID}]]></AppId><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        envelope.encrypt
    );
    (query, body)
}

pub(super) fn ticket_xml(ticket: &str, create_time: i64) -> String {
    format!(
        "<xml><AppId><![CDATA[{COMPONENT_APPID}]]></AppId><CreateTime>{create_time}</CreateTime>\
         <InfoType><![CDATA[component_verify_ticket]]></InfoType>\
         <ComponentVerifyTicket><![CDATA[{ticket}]]></ComponentVerifyTicket></xml>"
    )
}

pub(super) fn unauthorized_xml(appid: &str, create_time: i64) -> String {
    format!(
        "<xml><AppId><![CDATA[{COMPONENT_APPID}]]></AppId><CreateTime>{create_time}</CreateTime>\
         <InfoType><![CDATA[unauthorized]]></InfoType><AuthorizerAppid><![CDATA[{appid}]]></AuthorizerAppid></xml>"
    )
}

/// Pushes: forged, fuzzed, replayed, stale, huge.
pub(super) async fn pushes(target: &Target, tally: &mut Tally, rng: &mut impl Rng, genuine: &Genuine, rounds: usize) {
    let url = format!("{}/wechat/component/events", target.service);
    let crypt = MsgCrypt::new(COMPONENT_TOKEN, COMPONENT_AES_KEY, COMPONENT_APPID).expect("the built-in key");
    let wrong_key = MsgCrypt::new(
        COMPONENT_TOKEN,
        "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut",
        COMPONENT_APPID,
    )
    .expect("a key");
    let wrong_appid = MsgCrypt::new(COMPONENT_TOKEN, COMPONENT_AES_KEY, "wx0000000000000bad").expect("a key");
    let t = now();
    // Replays of the genuinely signed pushes WeChat delivered before the attack (an older and a
    // newer ticket: the older one must not roll the ticket back), and stale ones: an
    // `unauthorized` for a real account from two hours ago.
    let (older, newer) = (&genuine.older_ticket_push, &genuine.newer_ticket_push);
    let stale = sign_push(&crypt, &unauthorized_xml(OA_MEDIA, t - 7200), t - 7200, "n2");
    let stale_ticket = sign_push(&crypt, &ticket_xml("ticket@@@attack-stale", t - 7200), t - 7200, "n3");
    let future = sign_push(&crypt, &ticket_xml("ticket@@@attack-future", t + 7200), t + 7200, "n4");
    // Forged: the right shapes without the token or the key.
    let unsigned = sign_push(&wrong_key, &unauthorized_xml(OA_ENTERPRISE, t), t, "n5");
    let other_appid = sign_push(&wrong_appid, &unauthorized_xml(OA_ENTERPRISE, t), t, "n6");
    let mp_unauth = unauthorized_xml(&genuine.mini_program, t);
    let forged_sig = {
        let (q, b) = sign_push(&crypt, &mp_unauth, t, "n7");
        (q.replace("msg_signature=", "msg_signature=0"), b)
    };
    for _ in 0..rounds {
        for (what, (q, b)) in [
            ("older genuine ticket replayed", older),
            ("newer genuine ticket replayed", newer),
            ("stale genuine unauthorized", &stale),
            ("stale genuine ticket", &stale_ticket),
            ("future genuine ticket", &future),
            ("wrong key", &unsigned),
            ("wrong appid", &other_appid),
            ("forged signature", &forged_sig),
        ] {
            for _ in 0..3 {
                let s = target
                    .send(target.http.post(format!("{url}?{q}")).body(b.clone()))
                    .await;
                tally.note("pushes", what, s);
            }
        }
        // Fuzzed: byte flips, truncations and insertions in a genuine push already delivered
        // (its signature then fails, or it is a duplicate), garbage and hostile XML, broken
        // queries.
        let (q, b) = newer.clone();
        for _ in 0..200 {
            let mut body = b.clone().into_bytes();
            let mut query = q.clone();
            match rng.gen_range(0..6) {
                0 => {
                    let i = rng.gen_range(0..body.len());
                    body[i] ^= 1 << rng.gen_range(0..8);
                }
                1 => body.truncate(rng.gen_range(0..body.len())),
                2 => {
                    let i = rng.gen_range(0..body.len());
                    body.splice(i..i, nasty(rng).into_bytes());
                }
                3 => {
                    let i = rng.gen_range(0..query.len());
                    query.insert_str(i, &enc(&nasty(rng)));
                }
                4 => {
                    body = (0..rng.gen_range(0..4096)).map(|_| rng.r#gen()).collect();
                }
                _ => {
                    query = format!(
                        "timestamp={}&nonce={}&msg_signature={}",
                        enc(&nasty(rng)),
                        enc(&nasty(rng)),
                        enc(&nasty(rng))
                    );
                }
            }
            let s = target.send(target.http.post(format!("{url}?{query}")).body(body)).await;
            tally.note("pushes", "fuzzed push", s);
        }
        for (what, body) in [
            ("billion laughs", "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><xml><Encrypt>&c;</Encrypt></xml>".to_owned()),
            ("external entity", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><Encrypt>&e;</Encrypt></xml>".to_owned()),
            ("deep nesting", format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000))),
            ("huge body", "A".repeat(12 * 1024 * 1024)),
            ("empty", String::new()),
        ] {
            let s = target.send(target.http.post(format!("{url}?{q}")).body(body)).await;
            tally.note("pushes", what, s);
        }
        // The authorizer push URL with hostile appids.
        for _ in 0..50 {
            let appid = enc(&nasty(rng));
            let s = target
                .send(
                    target
                        .http
                        .post(format!("{}/wechat/authorizers/{appid}/events?{q}", target.service))
                        .body(b.clone()),
                )
                .await;
            tally.note("pushes", "authorizer push, hostile appid", s);
        }
        let s = target
            .send(
                target
                    .http
                    .post(format!(
                        "{}/wechat/authorizers/{}/events?{q}",
                        target.service, genuine.mini_program
                    ))
                    .body(b.clone()),
            )
            .await;
        tally.note("pushes", "component push on the authorizer URL", s);
    }
}
