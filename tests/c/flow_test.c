/*
 * The C ABI as a C caller sees it: the whole flow (open, import server app, import client app by
 * server app, get with filters, create the service, close) and error paths, checking every
 * status, document and ownership rule. Run under valgrind by scripts/test.sh.
 *
 * Usage: flow_test <store-folder>
 */
#include "cmaad.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *TENANT = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
static const char *SECRET = "1uXGR^!0@Cjas6qI*J02ZeS&&zY19^hC*9";

/* Reads the integer after "\"ID\":" in a document. */
static long doc_id(const char *doc) {
  const char *p = strstr(doc, "\"ID\":");
  return p ? strtol(p + 5, NULL, 10) : -1;
}

/* Counts occurrences of needle in hay. */
static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
  return n;
}

static void expect_clean(const char *doc) {
  CHECK(doc != NULL, "document missing");
  CHECK(doc == NULL || strstr(doc, SECRET) == NULL, "secret leaked: %s", doc);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <store-folder>\n", argv[0]);
    return 2;
  }
  char options[1024], request[2048], filter[512], folder[768];
  char *out = (char *)0x1;
  cmaad_session *s = (cmaad_session *)0x1;

  CHECK(cmaad_abi_version() == CMAAD_ABI_VERSION, "ABI version %u", cmaad_abi_version());
  CHECK(strlen(cmaad_version()) > 0, "version empty");

  /* Open a session on a fresh store. */
  if (json_escape(argv[1], folder, sizeof folder) != 0) {
    fprintf(stderr, "store folder too long: %s\n", argv[1]);
    return 2;
  }
  snprintf(options, sizeof options, "{\"StorePath\": \"%s/site.db\"}", folder);
  cmaad_status st = cmaad_session_open(options, &s, &out);
  CHECK(st == CMAAD_OK && s != NULL, "open: %u %s", st, out ? out : "(null)");
  expect_clean(out);
  cmaad_string_free(out);
  if (st != CMAAD_OK) return 1;

  /* Import the server app; the secret goes as UTF-16 units. */
  uint16_t secret16[64];
  size_t n = strlen(SECRET);
  for (size_t i = 0; i < n; i++) secret16[i] = (uint16_t)(unsigned char)SECRET[i];
  time_t next_year = time(NULL) + 365 * 86400;
  char expiry[32];
  strftime(expiry, sizeof expiry, "%Y-%m-%dT%H:%M:%SZ", gmtime(&next_year));
  snprintf(request, sizeof request,
           "{\"TenantName\":\"Contoso\",\"TenantId\":\"%s\",\"AppName\":\"CmgServerApp\","
           "\"ClientId\":\"7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f\",\"SecretKeyExpiry\":\"%s\","
           "\"AppIdUri\":\"api://%s/ConfigMgrService\"}",
           TENANT, expiry, TENANT);
  st = cmaad_import_server_app(s, request, secret16, n, &out);
  CHECK(st == CMAAD_OK, "import server: %u %s", st, out);
  expect_clean(out);
  long server_id = doc_id(out);
  CHECK(server_id > 0, "server ID: %s", out);
  CHECK(strstr(out, "\"AppType\":\"ServerApplication\"") != NULL, "server type: %s", out);
  cmaad_string_free(out);

  /* Import the client app by server app. */
  snprintf(request, sizeof request,
           "{\"AppName\":\"CmgClientApp\",\"ClientId\":\"cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60\","
           "\"ServerAppId\":%ld}",
           server_id);
  st = cmaad_import_client_app(s, request, &out);
  CHECK(st == CMAAD_OK, "import client: %u %s", st, out);
  long client_id = doc_id(out);
  CHECK(client_id > server_id, "client ID: %s", out);
  CHECK(strstr(out, "\"TenantName\":\"Contoso\"") != NULL, "client tenant: %s", out);
  cmaad_string_free(out);

  /* Get with filters (AND), and with none. */
  st = cmaad_get_apps(s, NULL, &out);
  CHECK(st == CMAAD_OK && count(out, "\"ClientID\"") == 2, "get all: %s", out);
  expect_clean(out);
  cmaad_string_free(out);
  snprintf(filter, sizeof filter, "{\"TenantName\":\"Contoso\",\"AppType\":\"ClientApplication\"}");
  st = cmaad_get_apps(s, filter, &out);
  CHECK(st == CMAAD_OK && count(out, "\"ClientID\"") == 1 && strstr(out, "CmgClientApp"), "get filtered: %s", out);
  cmaad_string_free(out);
  st = cmaad_get_apps(s, "{\"AppName\":\"Nope\"}", &out);
  CHECK(st == CMAAD_OK && strcmp(out, "{\"value\":[]}") == 0, "get none: %s", out);
  cmaad_string_free(out);

  /* Create the service. */
  snprintf(request, sizeof request,
           "{\"Name\":\"Contoso\",\"Description\":\"Azure Service\",\"ServerAppId\":%ld,"
           "\"ClientAppId\":%ld,\"EnableGroupDiscovery\":true,\"AddGroupName\":[\"CMG Users\"]}",
           server_id, client_id);
  st = cmaad_new_cloud_management_service(s, request, &out);
  CHECK(st == CMAAD_OK && strstr(out, "\"ServiceType\":\"CloudManagement\""), "service: %u %s", st, out);
  cmaad_string_free(out);

  /* Error paths: each answers with a status and an error document naming the field. */
  st = cmaad_new_cloud_management_service(s, request, &out);
  CHECK(st == CMAAD_ALREADY_EXISTS && strstr(out, "\"Target\":\"Name\""), "dup service: %u %s", st, out);
  cmaad_string_free(out);
  st = cmaad_import_server_app(s, request, secret16, n, &out);
  CHECK(st == CMAAD_INVALID_ARGUMENT && strstr(out, "\"Code\":\"MissingField\""), "bad server: %u %s", st, out);
  cmaad_string_free(out);
  st = cmaad_import_client_app(s, "{\"AppName\":\"X\",\"ClientId\":\"abc\",\"TenantId\":\"x\"}", &out);
  CHECK(st == CMAAD_INVALID_ARGUMENT && strstr(out, "\"Target\":\"ClientId\""), "bad client id: %u %s", st, out);
  cmaad_string_free(out);
  st = cmaad_import_client_app(NULL, "{}", &out);
  CHECK(st == CMAAD_INVALID_ARGUMENT && strstr(out, "\"Code\":\"NullSession\""), "null session: %u %s", st, out);
  cmaad_string_free(out);
  st = cmaad_get_apps(s, "{\"AppName\": [", &out);
  CHECK(st == CMAAD_INVALID_ARGUMENT && strstr(out, "MalformedJson"), "malformed: %u %s", st, out);
  cmaad_string_free(out);
  st = cmaad_get_apps(s, "{\"AppName\":\"\xff\"}", &out);
  CHECK(st == CMAAD_INVALID_ARGUMENT && strstr(out, "InvalidUtf8"), "utf8: %u %s", st, out);
  cmaad_string_free(out);
  CHECK(cmaad_get_apps(s, NULL, NULL) == CMAAD_INVALID_ARGUMENT, "NULL out_json");
  cmaad_session *bad = (cmaad_session *)0x1;
  st = cmaad_session_open("{\"TimeoutSeconds\": 0}", &bad, &out);
  CHECK(st == CMAAD_INVALID_ARGUMENT && bad == NULL, "bad options: %u", st);
  cmaad_string_free(out);

  cmaad_session_close(s);
  cmaad_session_close(NULL);
  cmaad_string_free(NULL);

  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("C ABI flow: all checks passed\n");
  return 0;
}
