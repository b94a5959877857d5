//! The Graph `application` resource (<https://learn.microsoft.com/graph/api/resources/application>):
//! reading a registration, and its password credentials (`addPassword`, `removePassword`).

use super::{interpret, GraphClient};
use crate::entra::transport::unexpected;
use crate::error::{Error, Result, Status};
use crate::model::AppRegistration;
use crate::runtime::block_on;
use crate::secret::SecretKey;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::time::Instant;
use zeroize::{Zeroize, Zeroizing};

/// The properties CMAAD reads of a registration to verify or audit it.
const CHECKED: &str = "id,appId,displayName,signInAudience,identifierUris,isFallbackPublicClient,isDeviceOnlyAuthSupported,publicClient,web,api,requiredResourceAccess";

/// A password Graph just added, with its text (shown by Graph once).
pub struct NewPassword {
    /// `keyId`.
    pub key_id: String,
    /// `secretText`, in wiping memory.
    pub secret: SecretKey,
    /// `endDateTime`, when Graph gave a readable one.
    pub end: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPassword")
            .field("key_id", &self.key_id)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

/// The `addPassword` body: a password named `display_name` that ends at `end`.
pub fn password_credential(display_name: &str, end: DateTime<Utc>) -> Value {
    json!({ "passwordCredential": { "displayName": display_name, "endDateTime": end.to_rfc3339() } })
}

impl GraphClient {
    /// `GET applications(appId='…')` with the properties CMAAD checks, as a future: the
    /// registration, or Graph's refusal (404 included).
    pub async fn application(
        &self,
        app_id: &str,
    ) -> Result<std::result::Result<AppRegistration, super::GraphRefusal>> {
        let path = format!("applications(appId='{app_id}')");
        let answer = self
            .send(
                reqwest::Method::GET,
                &path,
                &[("$select", CHECKED)],
                None,
                &self.transport,
            )
            .await?;
        match answer {
            Ok(v) => registration_of(v, &path).map(Ok),
            Err(refusal) => Ok(Err(refusal)),
        }
    }

    /// The registration with client ID `app_id`: its object ID and password credentials.
    pub fn registration(&self, app_id: &str) -> Result<AppRegistration> {
        let path = format!("applications(appId='{app_id}')");
        match self.get(&path, &[("$select", "id,appId,passwordCredentials")])? {
            Ok(v) => registration_of(v, &path),
            Err(refusal) => Err(self.refused(&refusal, "reading the app registration")),
        }
    }

    /// `addPassword` on application `object_id`: a new secret named `display_name` that ends at
    /// `end`. Sent once (a second attempt after a lost answer would add a second password);
    /// repeated only while a just-created application replicates ([`super::Replication`]).
    pub fn add_password(
        &self,
        object_id: &str,
        display_name: &str,
        end: DateTime<Utc>,
    ) -> Result<NewPassword> {
        let url = format!("{}/v1.0/applications/{object_id}/addPassword", self.graph);
        let what = format!("the Microsoft Graph request POST {url}");
        let body = password_credential(display_name, end);
        let once = self.transport.single_attempt();
        let start = Instant::now();
        let mut wait = self.replication.initial_backoff;
        loop {
            let mut reply = block_on(once.send(&what, |client| {
                client
                    .post(&url)
                    .bearer_auth(self.token.as_str())
                    .header("client-request-id", &self.request_id)
                    .header(reqwest::header::ACCEPT, "application/json")
                    .json(&body)
            }))??;
            if reply.status == 200 || reply.status == 201 {
                let added = new_password(&what, &reply);
                reply.body.zeroize();
                return added;
            }
            let refusal = match interpret(&what, &reply, self.token.as_str())? {
                Err(refusal) => refusal,
                Ok(_) => return Err(unexpected(&what, &reply)),
            };
            if !refusal.is_replication_lag() || start.elapsed() + wait > self.replication.max_total
            {
                return Err(self.refused(&refusal, "adding a password (client secret)"));
            }
            std::thread::sleep(wait);
            wait = (wait * 2).min(self.replication.max_backoff);
        }
    }

    /// `removePassword` of `key_id` on application `object_id`.
    pub fn remove_password(&self, object_id: &str, key_id: &str) -> Result<()> {
        let path = format!("applications/{object_id}/removePassword");
        let body = json!({ "keyId": key_id });
        match self.call(
            reqwest::Method::POST,
            &path,
            &[],
            Some(&body),
            &self.transport,
        )? {
            Ok(_) => Ok(()),
            Err(refusal) => Err(self.refused(&refusal, "removing a password")),
        }
    }
}

/// A registration from Graph's answer at `path`.
fn registration_of(value: Value, path: &str) -> Result<AppRegistration> {
    serde_json::from_value(value).map_err(|e| {
        Error::new(
            Status::Network,
            "MalformedResponse",
            format!("Microsoft Graph answered {path} with an application CMAAD cannot read ({e})."),
        )
    })
}

/// The added password in `reply`; its text goes straight into wiping memory.
fn new_password(what: &str, reply: &crate::entra::transport::Reply) -> Result<NewPassword> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Added {
        key_id: String,
        secret_text: String,
        #[serde(default)]
        end_date_time: Option<String>,
    }
    let added: Added = serde_json::from_slice(&reply.body).map_err(|_| unexpected(what, reply))?;
    let text = Zeroizing::new(added.secret_text);
    let units = Zeroizing::new(text.encode_utf16().collect::<Vec<u16>>());
    Ok(NewPassword {
        key_id: added.key_id,
        secret: SecretKey::from_utf16(&units, "SecretKey")?,
        end: added
            .end_date_time
            .and_then(|t| crate::model::time::parse_rfc3339(&t)),
    })
}
