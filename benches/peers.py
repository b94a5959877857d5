"""The Python peers of CMAAD's benchmark: msal and azure-identity against the same local fake.

    peers.py MODE BASE_URL TENANT_ID CLIENT_ID SECRET N WARM

MODE is `msal` or `azure-identity` (warm latency: a token request each call, then the cached
answer) or `cold-msal` / `cold-azure-identity` (a fresh interpreter per first token). Prints one
JSON object. REQUESTS_CA_BUNDLE must name the fake's test CA (it overrides msal's `verify=`).

Fairness: the app object (msal) or credential (azure-identity) is built and warmed once; before
each timed call its tokens are removed with msal's `remove_tokens_for_client()` outside the timed
region, so every timed call sends the token request. Each fresh token must differ from the last
(the fake puts a unique `uti` in every token), so no timed call was answered from a cache.
"""

import json
import statistics
import subprocess
import sys
import time

SCOPE = "https://graph.microsoft.com/.default"


def summary(samples_ns):
    us = sorted(s / 1000.0 for s in samples_ns)
    at = lambda q: us[round((len(us) - 1) * q)]
    return {"median_us": at(0.5), "p10_us": at(0.1), "p90_us": at(0.9), "n": len(us)}


def msal_app(base, tenant, client, secret):
    import msal

    return msal.ConfidentialClientApplication(
        client,
        client_credential=secret,
        authority=f"{base}/{tenant}",
        instance_discovery=False,
    )


def azure_credential(base, tenant, client, secret):
    from azure.identity import ClientSecretCredential

    return ClientSecretCredential(
        tenant, client, secret, authority=base, disable_instance_discovery=True
    )


def measure(get, forget, n, warm):
    """Times `get()` n times after `warm` calls; `forget()` runs untimed before each call."""
    last = None
    for _ in range(warm):
        forget()
        last = get()
    fresh = []
    for _ in range(n):
        forget()
        start = time.perf_counter_ns()
        token = get()
        fresh.append(time.perf_counter_ns() - start)
        if token == last:
            raise SystemExit("a timed call returned the previous token: it was cached")
        last = token
    cached = []
    for _ in range(warm):
        get()
    for _ in range(n):
        start = time.perf_counter_ns()
        token = get()
        cached.append(time.perf_counter_ns() - start)
        if token != last:
            raise SystemExit("a cached call sent a request")
    return {"fresh": summary(fresh), "cached": summary(cached)}


def warm_msal(base, tenant, client, secret, n, warm):
    import msal

    app = msal_app(base, tenant, client, secret)

    def get():
        r = app.acquire_token_for_client(scopes=[SCOPE])
        if "access_token" not in r:
            raise SystemExit(f"msal: {r}")
        return r["access_token"]

    out = measure(get, app.remove_tokens_for_client, n, warm)
    out["version"] = msal.__version__
    return out


def warm_azure(base, tenant, client, secret, n, warm):
    from azure.identity import __version__ as version

    cred = azure_credential(base, tenant, client, secret)

    def get():
        return cred.get_token(SCOPE).token

    def forget():
        for app in cred._client_applications.values():
            app.remove_tokens_for_client()

    out = measure(get, forget, n, warm)
    out["version"] = version
    return out


COLD = r"""
import json, sys, time
t0 = time.perf_counter_ns()
kind, base, tenant, client, secret, scope = sys.argv[1:7]
if kind == "msal":
    import msal
    t1 = time.perf_counter_ns()
    app = msal.ConfidentialClientApplication(client, client_credential=secret,
        authority=f"{base}/{tenant}", instance_discovery=False)
    t2 = time.perf_counter_ns()
    r = app.acquire_token_for_client(scopes=[scope])
    assert "access_token" in r, r
else:
    from azure.identity import ClientSecretCredential
    t1 = time.perf_counter_ns()
    cred = ClientSecretCredential(tenant, client, secret, authority=base,
        disable_instance_discovery=True)
    t2 = time.perf_counter_ns()
    cred.get_token(scope)
t3 = time.perf_counter_ns()
print(json.dumps({"import_us": (t1 - t0) / 1e3, "create_us": (t2 - t1) / 1e3, "first_us": (t3 - t2) / 1e3}))
"""


def cold(kind, base, tenant, client, secret, runs=7):
    walls, parts = [], []
    for _ in range(runs):
        start = time.perf_counter_ns()
        p = subprocess.run(
            [sys.executable, "-c", COLD, kind, base, tenant, client, secret, SCOPE],
            capture_output=True,
            text=True,
        )
        walls.append(time.perf_counter_ns() - start)
        if p.returncode != 0:
            raise SystemExit(f"cold {kind}: {p.stderr}")
        parts.append(json.loads(p.stdout))
    out = {"wall": summary(walls)}
    for k in ("import_us", "create_us", "first_us"):
        out[k] = statistics.median(p[k] for p in parts)
    return out


def main():
    mode, base, tenant, client, secret, n, warm = sys.argv[1:8]
    n, warm = int(n), int(warm)
    if mode == "msal":
        out = warm_msal(base, tenant, client, secret, n, warm)
    elif mode == "azure-identity":
        out = warm_azure(base, tenant, client, secret, n, warm)
    elif mode == "cold-msal":
        out = cold("msal", base, tenant, client, secret)
    elif mode == "cold-azure-identity":
        out = cold("azure", base, tenant, client, secret)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
