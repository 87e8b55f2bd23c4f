//! Signed server time (§4.6, §8): the app's clock offset, also usable for TOTP.

use super::envelope::open;
use super::wire::ServerTime;
use super::{Enrollment, HttpRequest, HttpResponse, ProtocolError};
use crate::random::{self, Random};

/// State between [`sync_time`] and [`TimeSync::finish`].
#[derive(Debug)]
pub struct TimeSync {
    nonce: String,
}

/// Builds `GET /nyckel/v1/time?nonce=…`.
pub fn sync_time(
    enrollment: &Enrollment,
    random: &dyn Random,
) -> Result<(HttpRequest, TimeSync), ProtocolError> {
    let nonce = random::b64(random, 16)?;
    let req = HttpRequest {
        method: "GET".into(),
        url: format!("{}/nyckel/v1/time?nonce={nonce}", enrollment.base_url),
        headers: vec![("Accept".into(), "application/json".into())],
        body: Vec::new(),
    };
    Ok((req, TimeSync { nonce }))
}

impl TimeSync {
    /// Verifies the signed time and sets the enrollment's clock offset; returns the offset.
    pub fn finish(
        self,
        enrollment: &mut Enrollment,
        resp: &HttpResponse,
        now: i64,
    ) -> Result<i64, ProtocolError> {
        let key = enrollment.provider_key_bytes()?;
        let v = open::<ServerTime>(resp, &key, Some(&self.nonce))?;
        enrollment.learn_time(v.header.server_time, now);
        Ok(enrollment.clock_offset)
    }
}
