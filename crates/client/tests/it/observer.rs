//! The call observer: one report per request sent, with the endpoint's name, how it ended and
//! how long it took, so a service can count calls and errors by errcode per endpoint.

use crate::harness::{Harness, config_on, fast_retry};
use fastreg_client::{Attempt, AttemptResult, CallObserver, Client};
use fastreg_emulator::builtin;
use serde_json::json;
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<Attempt>>);

impl CallObserver for Recorder {
    fn attempt(&self, attempt: &Attempt) {
        self.0.lock().unwrap().push(*attempt);
    }
}

#[tokio::test]
async fn every_attempt_is_reported_with_its_endpoint_and_errcode() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let recorder = Arc::new(Recorder::default());
    let config = config_on(&h.base, h.clock.clone(), fast_retry())
        .observer(recorder.clone())
        .build()
        .unwrap();
    let client = Client::new(config, h.store.clone()).unwrap();

    // Two `-1`s then a success: three attempts of one call.
    h.fault(json!({"path": "/cgi-bin/account/getaccountbasicinfo", "errcode": -1, "count": 2}))
        .await;
    client.account_basic_info(&oa).await.unwrap();
    // A refusal that is not retried.
    h.fault(json!({"path": "/cgi-bin/account/getaccountbasicinfo", "errcode": 61003}))
        .await;
    let err = client.account_basic_info(&oa).await.unwrap_err();
    assert_eq!(err.code(), Some(61003));

    let seen: Vec<(&str, AttemptResult)> = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|a| a.endpoint != "api_authorizer_token" && a.endpoint != "api_component_token")
        .map(|a| (a.endpoint, a.result))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("getaccountbasicinfo", AttemptResult::Errcode(-1)),
            ("getaccountbasicinfo", AttemptResult::Errcode(-1)),
            ("getaccountbasicinfo", AttemptResult::Ok),
            ("getaccountbasicinfo", AttemptResult::Errcode(61003)),
        ]
    );
}
