//! The lifecycle family through the C ABI, without Entra: expiry filters at their boundary days,
//! renewing a portal secret, changing and removing apps (refused while in use), services and
//! tenants. Every refusal has its status, code and field, and leaves the store unchanged.

mod common;
mod lifecycle_support;

use chrono::{Duration, Utc};
use cmaad::ffi::{self, cmaad_status, cmaad_status::*};
use common::*;
use lifecycle_support::*;
use serde_json::{json, Value};
use std::ptr;

const SERVER_2: &str = "41111111-2222-4333-8444-555555555555";

/// A refusal: name, call, expected status, code and target.
type Case<'a> = (
    &'a str,
    Box<dyn Fn() -> (cmaad_status, Value) + 'a>,
    cmaad_status,
    &'a str,
    &'a str,
);

/// Runs each refusal, checking status, code, target and that the store did not change.
fn refusals(s: &FfiSession, cases: Vec<Case<'_>>) {
    let before = store_snapshot(s);
    for (name, run, status, code_want, target_want) in cases {
        let (st, doc) = run();
        assert_eq!(
            (st, code(&doc), target(&doc)),
            (status, code_want, target_want),
            "{name}: {doc}"
        );
        assert_eq!(store_snapshot(s), before, "{name} changed the store");
    }
}

#[test]
fn expiring_within_days_at_its_boundary_days() {
    let s = FfiSession::open();
    let now = Utc::now();
    let n = 30;
    let id = |cid: &str, name: &str, at| {
        let (st, doc) = s.import_server(&server_expiring(cid, name, at), SECRET);
        assert_eq!(st, CMAAD_OK, "{doc}");
        doc["ID"].as_i64().unwrap()
    };
    let exactly = id(
        "51111111-2222-4333-8444-555555555555",
        "Exactly",
        now + Duration::days(n) + Duration::hours(1),
    );
    let before = id(
        "52111111-2222-4333-8444-555555555555",
        "DayBefore",
        now + Duration::days(n - 1) + Duration::hours(1),
    );
    let after = id(
        "53111111-2222-4333-8444-555555555555",
        "DayAfter",
        now + Duration::days(n + 1) + Duration::hours(1),
    );
    let expired = id(
        "54111111-2222-4333-8444-555555555555",
        "Expired",
        now + Duration::days(5),
    );
    force_expiry(&s, expired, now - Duration::hours(1));
    s.import_client(
        &json!({"AppName": "Client", "ClientId": CLIENT_CLIENT_ID, "TenantId": TENANT}),
    );

    let (_, all) = s.get(Some(&json!({"AppType": "ServerApplication"})));
    let days: Vec<(i64, Value, Value)> = all["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["ID"].as_i64().unwrap(),
                a["DaysUntilSecretExpiry"].clone(),
                a["SecretExpired"].clone(),
            )
        })
        .collect();
    assert_eq!(
        days,
        vec![
            (exactly, json!(n), json!(false)),
            (before, json!(n - 1), json!(false)),
            (after, json!(n + 1), json!(false)),
            (expired, json!(-1), json!(true)),
        ]
    );
    let within = |d: i64| ids(&s.get(Some(&json!({"ExpiringWithinDays": d}))).1);
    assert_eq!(
        within(n),
        vec![exactly, before, expired],
        "N includes N days out, N-1 and expired"
    );
    assert_eq!(
        within(n - 1),
        vec![before, expired],
        "N-1 excludes N days out"
    );
    assert_eq!(within(n + 1), vec![exactly, before, after, expired]);
    assert_eq!(
        within(0),
        vec![expired],
        "0 means expired or expiring today"
    );
    let (st, doc) = s.get(Some(&json!({"ExpiringWithinDays": -1})));
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (CMAAD_INVALID_ARGUMENT, "OutOfRange", "ExpiringWithinDays")
    );
}

#[test]
fn renewing_a_portal_secret_updates_secret_expiry_and_times() {
    let s = FfiSession::open();
    let (server, client) = s.seed();
    let (_, old) = s.get(Some(&json!({"AppType": "ServerApplication"})));
    let old = old["value"][0].clone();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let expiry = (Utc::now() + Duration::days(700)).to_rfc3339();
    let (st, doc) = set_secret(
        &s,
        &json!({"ID": server, "SecretKeyExpiry": expiry}),
        "n3w~Secret.Value",
    );
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert!(matches!(
        doc["DaysUntilSecretExpiry"].as_i64(),
        Some(699 | 700)
    ));
    assert_ne!(doc["SecretKeyCreationTime"], old["SecretKeyCreationTime"]);
    assert_ne!(doc["LastUpdateTime"], old["LastUpdateTime"]);
    assert_eq!(
        doc["ApplicationCreationTime"],
        old["ApplicationCreationTime"]
    );
    assert!(doc.get("Verification").is_none());

    // By ClientId + TenantId as well.
    let later = (Utc::now() + Duration::days(30)).to_rfc3339();
    let (st, doc) = set_secret(
        &s,
        &json!({"ClientId": SERVER_CLIENT_ID.to_uppercase(), "TenantId": TENANT, "SecretKeyExpiry": later}),
        "another",
    );
    assert_eq!((st, doc["ID"].as_i64()), (CMAAD_OK, Some(server)), "{doc}");
    assert!(matches!(
        doc["DaysUntilSecretExpiry"].as_i64(),
        Some(29 | 30)
    ));

    let future = (Utc::now() + Duration::days(90)).to_rfc3339();
    let past = (Utc::now() - Duration::days(1)).to_rfc3339();
    let f = future.clone();
    let sref = &s;
    refusals(
        &s,
        vec![
            (
                "missing expiry",
                Box::new(move || set_secret(sref, &json!({"ID": server}), "x")),
                CMAAD_INVALID_ARGUMENT,
                "MissingField",
                "SecretKeyExpiry",
            ),
            (
                "past expiry",
                Box::new(move || {
                    set_secret(sref, &json!({"ID": server, "SecretKeyExpiry": past}), "x")
                }),
                CMAAD_INVALID_ARGUMENT,
                "ExpiryInPast",
                "SecretKeyExpiry",
            ),
            (
                "unknown ID",
                {
                    let f = f.clone();
                    Box::new(move || {
                        set_secret(sref, &json!({"ID": 999, "SecretKeyExpiry": f}), "x")
                    })
                },
                CMAAD_NOT_FOUND,
                "AppNotFound",
                "ID",
            ),
            (
                "client app",
                {
                    let f = f.clone();
                    Box::new(move || {
                        set_secret(sref, &json!({"ID": client, "SecretKeyExpiry": f}), "x")
                    })
                },
                CMAAD_INVALID_ARGUMENT,
                "NotAServerApp",
                "ID",
            ),
            (
                "empty secret",
                {
                    let f = f.clone();
                    Box::new(move || {
                        set_secret(sref, &json!({"ID": server, "SecretKeyExpiry": f}), "")
                    })
                },
                CMAAD_INVALID_ARGUMENT,
                "EmptySecretKey",
                "SecretKey",
            ),
            (
                "ClientId alone",
                {
                    let f = f.clone();
                    Box::new(move || {
                        set_secret(
                            sref,
                            &json!({"ClientId": SERVER_CLIENT_ID, "SecretKeyExpiry": f}),
                            "x",
                        )
                    })
                },
                CMAAD_INVALID_ARGUMENT,
                "MissingField",
                "TenantId",
            ),
            (
                "unknown ClientId",
                {
                    let f = f.clone();
                    Box::new(move || {
                        set_secret(
                            sref,
                            &json!({"ClientId": SERVER_2, "TenantId": TENANT, "SecretKeyExpiry": f}),
                            "x",
                        )
                    })
                },
                CMAAD_NOT_FOUND,
                "AppNotFound",
                "ClientId",
            ),
            (
                "ID and ClientId",
                {
                    let f = f.clone();
                    Box::new(move || {
                        set_secret(
                            sref,
                            &json!({"ID": server, "ClientId": SERVER_CLIENT_ID, "TenantId": TENANT, "SecretKeyExpiry": f}),
                            "x",
                        )
                    })
                },
                CMAAD_INVALID_ARGUMENT,
                "AmbiguousApp",
                "ID",
            ),
            (
                "unknown field",
                {
                    let f = f.clone();
                    Box::new(move || {
                        set_secret(
                            sref,
                            &json!({"ID": server, "SecretKeyExpiry": f, "Expiry": 1}),
                            "x",
                        )
                    })
                },
                CMAAD_INVALID_ARGUMENT,
                "UnknownField",
                "Expiry",
            ),
            (
                "Verify not bool",
                Box::new(move || {
                    set_secret(
                        sref,
                        &json!({"ID": server, "SecretKeyExpiry": future, "Verify": "yes"}),
                        "x",
                    )
                }),
                CMAAD_INVALID_ARGUMENT,
                "WrongType",
                "Verify",
            ),
        ],
    );
}

#[test]
fn renaming_and_app_id_uri() {
    let s = FfiSession::open();
    let (server, client) = s.seed();
    let (st, doc) = req(
        &s,
        ffi::cmaad_set_app,
        json!({"ID": server, "NewName": " CmgServer2 ", "AppIdUri": "https://contoso.onmicrosoft.com/ConfigMgrService"}),
    );
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(
        (doc["Name"].as_str(), doc["IdentifierUri"].as_str()),
        (
            Some("CmgServer2"),
            Some("https://contoso.onmicrosoft.com/ConfigMgrService")
        )
    );
    assert!(doc.get("Warnings").is_none());
    let (st, doc) = req(
        &s,
        ffi::cmaad_set_app,
        json!({"ID": server, "AppIdUri": "https://ConfigMgrService"}),
    );
    assert_eq!(st, CMAAD_OK);
    assert!(
        doc["Warnings"][0].as_str().unwrap().contains("old default"),
        "{doc}"
    );
    let (st, doc) = req(
        &s,
        ffi::cmaad_set_app,
        json!({"ClientId": CLIENT_CLIENT_ID, "TenantId": TENANT, "NewName": "Native"}),
    );
    assert_eq!((st, doc["Name"].as_str()), (CMAAD_OK, Some("Native")));
    let sref = &s;
    refusals(
        &s,
        vec![
            (
                "nothing to change",
                Box::new(move || req(sref, ffi::cmaad_set_app, json!({"ID": server}))),
                CMAAD_INVALID_ARGUMENT,
                "NothingToChange",
                "NewName",
            ),
            (
                "client AppIdUri",
                Box::new(move || {
                    req(
                        sref,
                        ffi::cmaad_set_app,
                        json!({"ID": client, "AppIdUri": format!("api://{TENANT}/x")}),
                    )
                }),
                CMAAD_INVALID_ARGUMENT,
                "NotAServerApp",
                "AppIdUri",
            ),
            (
                "relative AppIdUri",
                Box::new(move || {
                    req(
                        sref,
                        ffi::cmaad_set_app,
                        json!({"ID": server, "AppIdUri": "ConfigMgrService"}),
                    )
                }),
                CMAAD_INVALID_ARGUMENT,
                "RelativeAppIdUri",
                "AppIdUri",
            ),
            (
                "blank NewName",
                Box::new(move || {
                    req(
                        sref,
                        ffi::cmaad_set_app,
                        json!({"ID": server, "NewName": " "}),
                    )
                }),
                CMAAD_INVALID_ARGUMENT,
                "EmptyName",
                "NewName",
            ),
            (
                "unknown ID",
                Box::new(move || req(sref, ffi::cmaad_set_app, json!({"ID": 77, "NewName": "x"}))),
                CMAAD_NOT_FOUND,
                "AppNotFound",
                "ID",
            ),
        ],
    );
}

fn service(s: &FfiSession, server: i64, client: i64, name: &str) -> i64 {
    let (st, doc) = s.new_service(&json!({"Name": name, "ServerAppId": server, "ClientAppId": client, "EnableUserDiscovery": true, "EnableUserDeltaDiscovery": true, "UserDeltaDiscoveryMins": 15}));
    assert_eq!(st, CMAAD_OK, "{doc}");
    doc["ID"].as_i64().unwrap()
}

#[test]
fn removing_apps_is_refused_while_in_use_and_never_touches_other_rows() {
    let s = FfiSession::open();
    let (server, client) = s.seed();
    let svc = service(&s, server, client, "Contoso");
    let sref = &s;
    refusals(
        &s,
        vec![
            (
                "server used by service",
                Box::new(move || req(sref, ffi::cmaad_remove_app, json!({"ID": server}))),
                CMAAD_INVALID_ARGUMENT,
                "AppInUse",
                "ID",
            ),
            (
                "client used by service",
                Box::new(move || {
                    req(
                        sref,
                        ffi::cmaad_remove_app,
                        json!({"ClientId": CLIENT_CLIENT_ID, "TenantId": TENANT}),
                    )
                }),
                CMAAD_INVALID_ARGUMENT,
                "AppInUse",
                "ID",
            ),
            (
                "unknown app",
                Box::new(move || req(sref, ffi::cmaad_remove_app, json!({"ID": 42}))),
                CMAAD_NOT_FOUND,
                "AppNotFound",
                "ID",
            ),
            (
                "no reference",
                Box::new(move || req(sref, ffi::cmaad_remove_app, json!({}))),
                CMAAD_INVALID_ARGUMENT,
                "MissingField",
                "ID",
            ),
        ],
    );
    let (_, doc) = req(&s, ffi::cmaad_remove_app, json!({"ID": server}));
    assert_eq!(doc["Error"]["Details"]["ServiceIDs"], json!([svc]));
    assert!(doc["Error"]["Message"]
        .as_str()
        .unwrap()
        .contains("Remove-CMAzureService"));

    let (st, doc) = req(&s, ffi::cmaad_remove_service, json!({"Name": "contoso"}));
    assert_eq!(
        (st, doc["Removed"].as_bool()),
        (CMAAD_OK, Some(true)),
        "{doc}"
    );
    assert_eq!(
        s.snapshot()["value"].as_array().unwrap().len(),
        2,
        "removing a service keeps its apps"
    );

    refusals(
        &s,
        vec![(
            "server with client apps",
            Box::new(move || req(sref, ffi::cmaad_remove_app, json!({"ID": server}))),
            CMAAD_INVALID_ARGUMENT,
            "AppHasClientApps",
            "ID",
        )],
    );
    let (st, doc) = req(&s, ffi::cmaad_remove_app, json!({"ID": client}));
    assert_eq!(
        (st, doc["Removed"].as_bool(), doc["TenantRemoved"].as_bool()),
        (CMAAD_OK, Some(true), Some(false)),
        "{doc}"
    );
    let (st, doc) = req(
        &s,
        ffi::cmaad_remove_app,
        json!({"ClientId": SERVER_CLIENT_ID, "TenantId": TENANT}),
    );
    assert_eq!(
        (st, doc["ID"].as_i64(), doc["TenantRemoved"].as_bool()),
        (CMAAD_OK, Some(server), Some(true)),
        "{doc}"
    );
    assert!(doc.get("SecretKeyExpiry").is_some() && !doc.to_string().contains(SECRET));
    assert_eq!(
        ids(&run(&s, ffi::cmaad_get_tenants, None).1),
        Vec::<i64>::new()
    );

    // IDs are never reused: a re-import gets a new ID.
    let (st, again) = s.import_server(&server_request(), SECRET);
    assert_eq!(st, CMAAD_OK);
    assert!(again["ID"].as_i64().unwrap() > client);
}

#[test]
fn services_get_set_remove() {
    let s = FfiSession::open();
    let (server, client) = s.seed();
    let a = service(&s, server, client, "Contoso Cloud");
    let b = service(&s, server, client, "Fabrikam");
    let get = |f: Value| ids(&req(&s, ffi::cmaad_get_services, f).1);
    assert_eq!(ids(&run(&s, ffi::cmaad_get_services, None).1), vec![a, b]);
    assert_eq!(get(json!({"Name": "contoso*"})), vec![a]);
    assert_eq!(get(json!({"Name": "Fabri?am"})), vec![b]);
    assert_eq!(get(json!({"Name": "100%"})), Vec::<i64>::new());
    assert_eq!(get(json!({"ID": b})), vec![b]);
    assert_eq!(get(json!({"ID": a, "Name": "Fabrikam"})), Vec::<i64>::new());

    let set = |v: Value| req(&s, ffi::cmaad_set_cloud_management_service, v);
    let (st, doc) = set(
        json!({"Name": "contoso cloud", "Description": "CMG tenant", "EnableAADGroupSync": true, "EnableGroupDiscovery": true, "AddGroupName": ["CMG Users", "Admins"]}),
    );
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(doc["Description"], "CMG tenant");
    assert_eq!(doc["EnableAADGroupSync"], true);
    assert_eq!(
        doc["UserDeltaDiscoveryMins"], 15,
        "absent fields keep their value"
    );
    assert_eq!(
        doc["GroupDiscoverySchedule"],
        json!({"Kind": "Days", "Interval": 7})
    );
    assert_eq!(doc["AddGroupName"], json!(["CMG Users", "Admins"]));
    let (st, doc) = set(
        json!({"ID": a, "DeleteGroupName": "admins", "AddGroupName": "Helpdesk", "Description": "", "EnableUserDeltaDiscovery": false}),
    );
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(doc["AddGroupName"], json!(["CMG Users", "Helpdesk"]));
    assert!(doc["Description"].is_null());
    assert_eq!(
        (
            doc["EnableUserDeltaDiscovery"].as_bool(),
            doc["UserDeltaDiscoveryMins"].is_null()
        ),
        (Some(false), true)
    );
    let (st, doc) = set(json!({"ID": a, "EnableUserDiscovery": false, "NewName": "Contoso"}));
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(
        (doc["Name"].as_str(), doc["UserDiscoverySchedule"].is_null()),
        (Some("Contoso"), true)
    );

    let sref = &s;
    let set_case = move |v: Value| -> Box<dyn Fn() -> (cmaad_status, Value) + '_> {
        Box::new(move || req(sref, ffi::cmaad_set_cloud_management_service, v.clone()))
    };
    refusals(
        &s,
        vec![
            (
                "mins without delta",
                set_case(json!({"ID": a, "UserDeltaDiscoveryMins": 10})),
                CMAAD_INVALID_ARGUMENT,
                "DeltaDiscoveryDisabled",
                "UserDeltaDiscoveryMins",
            ),
            (
                "delta without discovery",
                set_case(json!({"ID": a, "EnableUserDeltaDiscovery": true})),
                CMAAD_INVALID_ARGUMENT,
                "DiscoveryDisabled",
                "EnableUserDeltaDiscovery",
            ),
            (
                "mins out of range",
                set_case(json!({"ID": b, "UserDeltaDiscoveryMins": 61})),
                CMAAD_INVALID_ARGUMENT,
                "OutOfRange",
                "UserDeltaDiscoveryMins",
            ),
            (
                "groups without group discovery",
                set_case(json!({"ID": b, "AddGroupName": ["G"]})),
                CMAAD_INVALID_ARGUMENT,
                "GroupDiscoveryDisabled",
                "AddGroupName",
            ),
            (
                "delete unknown group",
                set_case(json!({"ID": a, "DeleteGroupName": ["Nobody"]})),
                CMAAD_INVALID_ARGUMENT,
                "GroupNotFound",
                "DeleteGroupName",
            ),
            (
                "schedule interval",
                set_case(
                    json!({"ID": a, "GroupDiscoverySchedule": {"Kind": "Hours", "Interval": 24}}),
                ),
                CMAAD_INVALID_ARGUMENT,
                "OutOfRange",
                "GroupDiscoverySchedule",
            ),
            (
                "name taken",
                set_case(json!({"ID": a, "NewName": "FABRIKAM"})),
                CMAAD_ALREADY_EXISTS,
                "ServiceExists",
                "NewName",
            ),
            (
                "nothing to change",
                set_case(json!({"ID": a})),
                CMAAD_INVALID_ARGUMENT,
                "NothingToChange",
                "request",
            ),
            (
                "unknown service",
                set_case(json!({"ID": 99, "Description": "x"})),
                CMAAD_NOT_FOUND,
                "ServiceNotFound",
                "ID",
            ),
            (
                "unknown name",
                set_case(json!({"Name": "Nope", "Description": "x"})),
                CMAAD_NOT_FOUND,
                "ServiceNotFound",
                "Name",
            ),
            (
                "ID and Name",
                set_case(json!({"ID": a, "Name": "Contoso", "Description": "x"})),
                CMAAD_INVALID_ARGUMENT,
                "AmbiguousService",
                "ID",
            ),
            (
                "environment is not settable",
                set_case(json!({"ID": a, "AzureEnvironmentOption": "AzurePublicCloud"})),
                CMAAD_INVALID_ARGUMENT,
                "UnknownField",
                "AzureEnvironmentOption",
            ),
            (
                "long description",
                set_case(json!({"ID": a, "Description": "d".repeat(513)})),
                CMAAD_INVALID_ARGUMENT,
                "DescriptionTooLong",
                "Description",
            ),
            (
                "remove unknown",
                Box::new(move || req(sref, ffi::cmaad_remove_service, json!({"ID": 99}))),
                CMAAD_NOT_FOUND,
                "ServiceNotFound",
                "ID",
            ),
            (
                "get bad ID",
                Box::new(move || req(sref, ffi::cmaad_get_services, json!({"ID": "1"}))),
                CMAAD_INVALID_ARGUMENT,
                "WrongType",
                "ID",
            ),
        ],
    );
    let (st, doc) = req(&s, ffi::cmaad_remove_service, json!({"ID": b}));
    assert_eq!((st, doc["Name"].as_str()), (CMAAD_OK, Some("Fabrikam")));
    assert_eq!(ids(&run(&s, ffi::cmaad_get_services, None).1), vec![a]);
}

#[test]
fn tenants_and_disabling_entra_authentication() {
    let s = FfiSession::open();
    let (server, client) = s.seed();
    let svc = service(&s, server, client, "Contoso");
    let (st, doc) = run(&s, ffi::cmaad_get_tenants, None);
    assert_eq!(st, CMAAD_OK);
    let t = &doc["value"][0];
    assert_eq!(
        (
            t["TenantID"].as_str(),
            t["Name"].as_str(),
            t["DisableAADAuthentication"].as_bool()
        ),
        (Some(TENANT), Some("Contoso"), Some(false))
    );
    assert_eq!(
        (
            t["ServerAppCount"].as_i64(),
            t["ClientAppCount"].as_i64(),
            t["ServiceCount"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );

    let (st, doc) = req(
        &s,
        ffi::cmaad_set_tenant,
        json!({"TenantId": TENANT.to_uppercase(), "DisableAADAuthentication": true}),
    );
    assert_eq!(
        (st, doc["DisableAADAuthentication"].as_bool()),
        (CMAAD_OK, Some(true)),
        "{doc}"
    );
    let (_, services) = req(&s, ffi::cmaad_get_services, json!({"ID": svc}));
    assert_eq!(
        services["value"][0]["DisableAADAuthentication"], true,
        "the service shows its tenant's setting"
    );
    let (st, doc) = req(
        &s,
        ffi::cmaad_set_tenant,
        json!({"TenantId": TENANT, "NewName": "contoso.onmicrosoft.com", "DisableAADAuthentication": false}),
    );
    assert_eq!(
        (
            st,
            doc["Name"].as_str(),
            doc["DisableAADAuthentication"].as_bool()
        ),
        (CMAAD_OK, Some("contoso.onmicrosoft.com"), Some(false))
    );
    assert_eq!(
        ids(&req(
            &s,
            ffi::cmaad_get_tenants,
            json!({"TenantName": "CONTOSO.onmicrosoft.com"})
        )
        .1)
        .len(),
        1
    );
    assert_eq!(
        ids(&req(&s, ffi::cmaad_get_tenants, json!({"TenantId": SERVER_2})).1).len(),
        0
    );

    let sref = &s;
    refusals(
        &s,
        vec![
            (
                "unknown tenant",
                Box::new(move || {
                    req(
                        sref,
                        ffi::cmaad_set_tenant,
                        json!({"TenantId": SERVER_2, "DisableAADAuthentication": true}),
                    )
                }),
                CMAAD_NOT_FOUND,
                "TenantNotFound",
                "TenantId",
            ),
            (
                "bad GUID",
                Box::new(move || {
                    req(
                        sref,
                        ffi::cmaad_set_tenant,
                        json!({"TenantId": "contoso", "DisableAADAuthentication": true}),
                    )
                }),
                CMAAD_INVALID_ARGUMENT,
                "InvalidTenantId",
                "TenantId",
            ),
            (
                "missing TenantId",
                Box::new(move || {
                    req(
                        sref,
                        ffi::cmaad_set_tenant,
                        json!({"DisableAADAuthentication": true}),
                    )
                }),
                CMAAD_INVALID_ARGUMENT,
                "MissingField",
                "TenantId",
            ),
            (
                "nothing to change",
                Box::new(move || req(sref, ffi::cmaad_set_tenant, json!({"TenantId": TENANT}))),
                CMAAD_INVALID_ARGUMENT,
                "NothingToChange",
                "DisableAADAuthentication",
            ),
            (
                "flag as string",
                Box::new(move || {
                    req(
                        sref,
                        ffi::cmaad_set_tenant,
                        json!({"TenantId": TENANT, "DisableAADAuthentication": "true"}),
                    )
                }),
                CMAAD_INVALID_ARGUMENT,
                "WrongType",
                "DisableAADAuthentication",
            ),
            (
                "get bad filter",
                Box::new(move || req(sref, ffi::cmaad_get_tenants, json!({"TenantId": "x"}))),
                CMAAD_INVALID_ARGUMENT,
                "InvalidTenantId",
                "TenantId",
            ),
        ],
    );
}

#[test]
fn every_new_function_checks_its_pointers() {
    let s = FfiSession::open();
    let fns: Vec<(&str, DocFn, bool)> = vec![
        ("set_app", ffi::cmaad_set_app, true),
        ("remove_app", ffi::cmaad_remove_app, true),
        ("verify_apps", ffi::cmaad_verify_apps, false),
        ("rotate_app_secret", ffi::cmaad_rotate_app_secret, true),
        ("get_services", ffi::cmaad_get_services, false),
        ("set_service", ffi::cmaad_set_cloud_management_service, true),
        ("remove_service", ffi::cmaad_remove_service, true),
        ("get_tenants", ffi::cmaad_get_tenants, false),
        ("set_tenant", ffi::cmaad_set_tenant, true),
    ];
    let doc = std::ffi::CString::new("{}").unwrap();
    for (name, f, request_required) in fns {
        let (st, out) = call(|out| unsafe { f(ptr::null_mut(), doc.as_ptr(), out) });
        assert_eq!(
            (st, code(&out)),
            (CMAAD_INVALID_ARGUMENT, "NullSession"),
            "{name}"
        );
        assert_eq!(
            unsafe { f(s.handle, doc.as_ptr(), ptr::null_mut()) },
            CMAAD_INVALID_ARGUMENT,
            "{name}"
        );
        let (st, out) = call(|out| unsafe { f(s.handle, c"{\"ID\": ".as_ptr(), out) });
        assert_eq!(
            (st, code(&out)),
            (CMAAD_INVALID_ARGUMENT, "MalformedJson"),
            "{name}"
        );
        if request_required {
            let (st, out) = call(|out| unsafe { f(s.handle, ptr::null(), out) });
            assert_eq!(
                (st, code(&out), target(&out)),
                (CMAAD_INVALID_ARGUMENT, "NullArgument", "request_json"),
                "{name}"
            );
        }
    }
    let (st, out) = call(|out| unsafe {
        ffi::cmaad_set_app_secret(s.handle, doc.as_ptr(), ptr::null(), 3, out)
    });
    assert_eq!((st, code(&out)), (CMAAD_INVALID_ARGUMENT, "NullArgument"));
}
