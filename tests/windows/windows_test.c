/*
 * What only Windows has, tested against cmaad.dll through the C ABI (tests/windows/run.sh runs it
 * under wine64 with a throwaway prefix):
 *   - the site key sealed with DPAPI: user scope for a per-user store, machine scope under
 *     %ProgramData%; sealed in one process, reopened in a second process which opens the stored
 *     secret and uses it against the local fake Entra;
 *   - key files CMAAD creates carry an owner-only DACL; a planted key file that Everyone can read
 *     is refused, naming the file and the fix;
 *   - store paths: drive paths with backslashes, forward slashes, spaces, a non-ASCII user profile
 *     (C:\Users\Jürgen), a long path, verbatim \\?\ paths, UNC paths (\\server\share, which run.sh
 *     maps to a folder), and the default store location under %LOCALAPPDATA%;
 *   - CMAAD_SITE_KEY instead of a key file, and an unusable CMAAD_SITE_KEY refused.
 *
 * Usage: windows_test.exe <fake Entra URL> <UNC share, e.g. \\cmaadhost\share>
 *        windows_test.exe --reopen <store path> <fake Entra URL>   (the second process)
 */
#include "cmaad.h"
#include "../c/check.h"

#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <wincrypt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The fake Entra's directory (run.sh writes the same values into its config). */
static const char *TENANT = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
static const char *CLIENT = "7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
static const char *SECRET = "1uXGR^!0@Cjas6qI*J02ZeS&&zY19^hC*9";
/* The additional entropy CMAAD binds into its DPAPI blobs (src/store/dpapi.rs). */
static const char *ENTROPY = "CMAAD site key v1";

/* UTF-16 → UTF-8 (static buffer per call site is enough here). */
static void utf8(const wchar_t *wide, char *out, int size) {
  if (WideCharToMultiByte(CP_UTF8, 0, wide, -1, out, size, NULL, NULL) == 0) out[0] = '\0';
}

/* Options {"StorePath": path, "AuthorityHost": url, "GraphHost": url} for a wide path. */
static void options_for(const wchar_t *store, const char *url, char *out, size_t size) {
  char path8[4096], escaped[8192];
  utf8(store, path8, sizeof path8);
  if (json_escape(path8, escaped, sizeof escaped) != 0) escaped[0] = '\0';
  if (url)
    snprintf(out, size, "{\"StorePath\":\"%s\",\"AuthorityHost\":\"%s\",\"GraphHost\":\"%s\",\"TimeoutSeconds\":10}",
             escaped, url, url);
  else
    snprintf(out, size, "{\"StorePath\":\"%s\"}", escaped);
}

static int exists(const wchar_t *path) { return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES; }

/* Creates every folder of path's parent (path may be verbatim, \\?\...). */
static void make_parents(const wchar_t *path) {
  wchar_t buf[4096];
  wcsncpy(buf, path, 4095);
  buf[4095] = 0;
  wchar_t *last = wcsrchr(buf, L'\\');
  if (!last) return;
  *last = 0;
  size_t start = wcsncmp(buf, L"\\\\?\\", 4) == 0 ? 7 : 3; /* after \\?\C:\ or C:\ */
  for (wchar_t *p = buf + start; *p; p++) {
    if (*p == L'\\') {
      *p = 0;
      CreateDirectoryW(buf, NULL);
      *p = L'\\';
    }
  }
  CreateDirectoryW(buf, NULL);
}

static cmaad_session *open_store(const wchar_t *store, const char *url, char **doc) {
  char options[16384];
  options_for(store, url, options, sizeof options);
  cmaad_session *s = NULL;
  cmaad_status st = cmaad_session_open(options, &s, doc);
  if (st != CMAAD_OK) {
    if (s) cmaad_session_close(s);
    return NULL;
  }
  return s;
}

/* Imports the fake's server app (no verification) into an open session. */
static int import_app(cmaad_session *s) {
  char request[1024], *out = NULL;
  uint16_t secret16[64];
  size_t n = strlen(SECRET);
  for (size_t i = 0; i < n; i++) secret16[i] = (uint16_t)(unsigned char)SECRET[i];
  snprintf(request, sizeof request,
           "{\"TenantName\":\"Contoso\",\"TenantId\":\"%s\",\"AppName\":\"CmgServerApp\",\"ClientId\":\"%s\","
           "\"SecretKeyExpiry\":\"2099-01-01T00:00:00Z\"}",
           TENANT, CLIENT);
  cmaad_status st = cmaad_import_server_app(s, request, secret16, n, &out);
  CHECK(st == CMAAD_OK, "import: %u %s", st, out ? out : "(null)");
  CHECK(out == NULL || strstr(out, SECRET) == NULL, "secret leaked: %s", out);
  cmaad_string_free(out);
  return st == CMAAD_OK;
}

/* Opens a new store at `store`, imports an app, reads it back and checks the files landed
 * where the path says (checked through the wide API, independently of the library). */
static void store_round_trip(const wchar_t *label, const wchar_t *store) {
  char *doc = NULL;
  cmaad_session *s = open_store(store, NULL, &doc);
  CHECK(s != NULL, "%ls: open %ls: %s", label, store, doc ? doc : "(null)");
  cmaad_string_free(doc);
  if (!s) return;
  import_app(s);
  char *out = NULL;
  cmaad_status st = cmaad_get_apps(s, NULL, &out);
  CHECK(st == CMAAD_OK && out && strstr(out, CLIENT), "%ls: get: %s", label, out ? out : "(null)");
  cmaad_string_free(out);
  cmaad_session_close(s);
  wchar_t key[4200];
  swprintf(key, 4200, L"%ls.key", store);
  CHECK(exists(store), "%ls: no store file at %ls", label, store);
  CHECK(exists(key), "%ls: no key file at %ls", label, key);
  /* Reopen: the key file written above is accepted and matches the store. */
  s = open_store(store, NULL, &doc);
  CHECK(s != NULL, "%ls: reopen: %s", label, doc ? doc : "(null)");
  cmaad_string_free(doc);
  if (s) cmaad_session_close(s);
  printf("ok   %ls: %ls\n", label, store);
}

/* Reads a key file's text into buf. */
static int read_text(const wchar_t *path, char *buf, DWORD size) {
  HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
  if (h == INVALID_HANDLE_VALUE) return 0;
  DWORD got = 0;
  BOOL ok = ReadFile(h, buf, size - 1, &got, NULL);
  CloseHandle(h);
  buf[ok ? got : 0] = '\0';
  return ok && got > 0;
}

/* Windows' DPAPI provider, which the blob names after its version field. */
static const BYTE DPAPI_PROVIDER[16] = {0xd0, 0x8c, 0x9d, 0xdf, 0x01, 0x15, 0xd1, 0x11,
                                        0x8c, 0x7a, 0x00, 0xc0, 0x4f, 0xc2, 0x97, 0xeb};

/* Unseals a "dpapi:<base64>" key file with DPAPI and CMAAD's entropy: proves the file holds a
 * DPAPI blob of a 32-byte key that opens only with that entropy. Returns the blob's dwFlags
 * (blob layout: version, provider GUID, master key version, master key GUID, flags), -3 when
 * the blob is not Windows' format (wine's crypt32 writes its own and records no scope), or a
 * negative failure. */
static long unseal_key_file(const wchar_t *path) {
  char text[4096];
  if (!read_text(path, text, sizeof text)) return -1;
  if (strncmp(text, "dpapi:", 6) != 0) return -1;
  BYTE blob[4096];
  DWORD len = sizeof blob;
  if (!CryptStringToBinaryA(text + 6, 0, CRYPT_STRING_BASE64, blob, &len, NULL, NULL)) return -1;
  DATA_BLOB in = {len, blob}, entropy = {(DWORD)strlen(ENTROPY), (BYTE *)ENTROPY}, out = {0, NULL};
  if (!CryptUnprotectData(&in, NULL, &entropy, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &out)) return -1;
  DWORD key_len = out.cbData;
  SecureZeroMemory(out.pbData, out.cbData);
  LocalFree(out.pbData);
  DATA_BLOB wrong = {3, (BYTE *)"xyz"};
  if (CryptUnprotectData(&in, NULL, &wrong, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &out)) {
    LocalFree(out.pbData);
    return -2; /* opened without CMAAD's entropy */
  }
  if (key_len != 32 || len < 44) return -1;
  if (memcmp(blob + 4, DPAPI_PROVIDER, 16) != 0) return -3;
  DWORD flags;
  memcpy(&flags, blob + 40, sizeof flags);
  return (long)flags;
}

/* The DACL Windows reports for path: no ACE may give Everyone, Users or Authenticated Users
 * any read or write right. */
static int private_dacl(const wchar_t *path, wchar_t *sddl_out, size_t size) {
  PSECURITY_DESCRIPTOR sd = NULL;
  PACL dacl = NULL;
  if (GetNamedSecurityInfoW(path, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                            NULL, NULL, &dacl, NULL, &sd) != ERROR_SUCCESS)
    return 0;
  LPWSTR text = NULL;
  ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1,
                                                       OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                                       &text, NULL);
  if (text) {
    wcsncpy(sddl_out, text, size - 1);
    sddl_out[size - 1] = 0;
    LocalFree(text);
  }
  int ok = dacl != NULL;
  ACL_SIZE_INFORMATION info;
  if (ok && GetAclInformation(dacl, &info, sizeof info, AclSizeInformation)) {
    for (DWORD i = 0; i < info.AceCount; i++) {
      ACCESS_ALLOWED_ACE *ace;
      if (!GetAce(dacl, i, (void **)&ace) || ace->Header.AceType != ACCESS_ALLOWED_ACE_TYPE) continue;
      PSID sid = (PSID)&ace->SidStart;
      int outsider = IsWellKnownSid(sid, WinWorldSid) || IsWellKnownSid(sid, WinBuiltinUsersSid) ||
                     IsWellKnownSid(sid, WinAuthenticatedUserSid);
      if (outsider && (ace->Mask & (FILE_READ_DATA | FILE_WRITE_DATA | GENERIC_READ | GENERIC_ALL))) ok = 0;
    }
  }
  LocalFree(sd);
  return ok;
}

/* The second process: reopens a store sealed by the first and verifies its app, which opens
 * the stored secret and sends it to the fake Entra's token endpoint. */
static int reopen(const wchar_t *store, const char *url) {
  char *doc = NULL;
  cmaad_session *s = open_store(store, url, &doc);
  CHECK(s != NULL, "second process: open: %s", doc ? doc : "(null)");
  cmaad_string_free(doc);
  if (!s) return 1;
  char *out = NULL;
  cmaad_status st = cmaad_verify_apps(s, NULL, &out);
  CHECK(st == CMAAD_OK && out && strstr(out, "\"Verified\":1") && strstr(out, "\"Failed\":0"),
        "second process: verify with the stored secret: %u %s", st, out ? out : "(null)");
  CHECK(out == NULL || strstr(out, SECRET) == NULL, "secret leaked: %s", out);
  cmaad_string_free(out);
  cmaad_session_close(s);
  return failures ? 1 : 0;
}

/* Runs this program again as a separate process with --reopen. */
static int run_second_process(const wchar_t *self, const wchar_t *store, const char *url) {
  wchar_t cmd[8192], url16[512];
  MultiByteToWideChar(CP_UTF8, 0, url, -1, url16, 512);
  swprintf(cmd, 8192, L"\"%ls\" --reopen \"%ls\" %ls", self, store, url16);
  STARTUPINFOW si = {0};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi;
  if (!CreateProcessW(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) return -1;
  WaitForSingleObject(pi.hProcess, 120000);
  DWORD code = 99;
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  return (int)code;
}

/* Seal in this process, reopen and use the secret in another; check the key file's scope. The
 * machine store's folder is left for CMAAD to create (with its own DACL). */
static void dpapi_case(const wchar_t *self, const wchar_t *store, const char *url, long want_flags,
                       const wchar_t *label) {
  if (!(want_flags & CRYPTPROTECT_LOCAL_MACHINE)) make_parents(store);
  char *doc = NULL;
  cmaad_session *s = open_store(store, url, &doc);
  CHECK(s != NULL, "%ls: open: %s", label, doc ? doc : "(null)");
  cmaad_string_free(doc);
  if (!s) return;
  import_app(s);
  cmaad_session_close(s);
  wchar_t key[4200], sddl[1024] = L"";
  swprintf(key, 4200, L"%ls.key", store);
  long flags = unseal_key_file(key);
  CHECK(flags >= 0 || flags == -3,
        "%ls: the key file is not a DPAPI blob of a 32-byte key bound to CMAAD's entropy (%ld)", label, flags);
  CHECK(flags < 0 || (flags & CRYPTPROTECT_LOCAL_MACHINE) == (want_flags & CRYPTPROTECT_LOCAL_MACHINE),
        "%ls: DPAPI scope flags %ld, expected %ld", label, flags, want_flags);
  CHECK(private_dacl(key, sddl, 1024), "%ls: the key file's DACL lets others in: %ls", label, sddl);
  int code = run_second_process(self, store, url);
  CHECK(code == 0, "%ls: the second process failed (exit %d)", label, code);
  if (flags == -3)
    printf("ok   %ls: sealed, reopened and used in a second process (this DPAPI records no scope in its "
           "blobs); key DACL %ls\n", label, sddl);
  else
    printf("ok   %ls: sealed (flags %ld), reopened and used in a second process; key DACL %ls\n", label, flags, sddl);
}

/* A key file planted beside a new store, readable by Everyone, is refused by name. */
static void planted_key_case(void) {
  const wchar_t *store = L"C:\\cmaad tests\\planted\\site.db";
  const wchar_t *key = L"C:\\cmaad tests\\planted\\site.db.key";
  make_parents(store);
  HANDLE token;
  char buf[256];
  DWORD n;
  LPWSTR me = NULL;
  OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token);
  GetTokenInformation(token, TokenUser, buf, sizeof buf, &n);
  CloseHandle(token);
  ConvertSidToStringSidW(((TOKEN_USER *)buf)->User.Sid, &me);
  wchar_t sddl[256];
  swprintf(sddl, 256, L"D:P(A;;FA;;;%ls)(A;;FR;;;WD)", me);
  LocalFree(me);
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
  ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sa.lpSecurityDescriptor, NULL);
  HANDLE h = CreateFileW(key, GENERIC_WRITE, 0, &sa, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
  LocalFree(sa.lpSecurityDescriptor);
  CHECK(h != INVALID_HANDLE_VALUE, "planting the key file failed (%lu)", GetLastError());
  const char *known = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
  DWORD wrote;
  WriteFile(h, known, (DWORD)strlen(known), &wrote, NULL);
  CloseHandle(h);
  wchar_t reported[1024] = L"";
  CHECK(!private_dacl(key, reported, 1024), "the planted key file's DACL is reported as private: %ls", reported);

  char *doc = NULL;
  cmaad_session *s = open_store(store, NULL, &doc);
  CHECK(s == NULL, "a store whose key file Everyone can read was opened");
  CHECK(doc && strstr(doc, "SiteKeyFileUnsafe") && strstr(doc, "C:\\\\cmaad tests\\\\planted\\\\site.db.key") &&
            strstr(doc, "icacls") && strstr(doc, "Everyone"),
        "the refusal names the code, the file, who can read it and the fix: %s", doc ? doc : "(null)");
  cmaad_string_free(doc);
  if (s) cmaad_session_close(s);
  printf("ok   planted key file readable by Everyone refused (reported DACL %ls)\n", reported);
}

/* CMAAD_SITE_KEY instead of the key file; an unusable value is an error, not ignored. */
static void env_key_case(void) {
  const wchar_t *store = L"C:\\cmaad tests\\env key\\site.db";
  make_parents(store);
  char *doc = NULL;
  SetEnvironmentVariableW(L"CMAAD_SITE_KEY", L"not base64!");
  cmaad_session *s = open_store(store, NULL, &doc);
  CHECK(s == NULL && doc && strstr(doc, "InvalidSiteKey") && strstr(doc, "CMAAD_SITE_KEY"),
        "an unusable CMAAD_SITE_KEY was not refused: %s", doc ? doc : "(null)");
  cmaad_string_free(doc);
  if (s) cmaad_session_close(s);
  SetEnvironmentVariableW(L"CMAAD_SITE_KEY", L"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  s = open_store(store, NULL, &doc);
  CHECK(s != NULL, "open with CMAAD_SITE_KEY: %s", doc ? doc : "(null)");
  cmaad_string_free(doc);
  if (s) {
    import_app(s);
    cmaad_session_close(s);
  }
  SetEnvironmentVariableW(L"CMAAD_SITE_KEY", NULL);
  CHECK(!exists(L"C:\\cmaad tests\\env key\\site.db.key"), "a key file was written although CMAAD_SITE_KEY was set");
  printf("ok   CMAAD_SITE_KEY used instead of a key file; an unusable one refused\n");
}

/* The default store: %LOCALAPPDATA%\CMAAD\site.db, here in a non-ASCII profile. */
static void default_store_case(void) {
  const wchar_t *local = L"C:\\Users\\J\u00fcrgen\\AppData\\Local";
  const wchar_t *store = L"C:\\Users\\J\u00fcrgen\\AppData\\Local\\CMAAD\\site.db";
  make_parents(L"C:\\Users\\J\u00fcrgen\\AppData\\Local\\x");
  SetEnvironmentVariableW(L"LOCALAPPDATA", local);
  SetEnvironmentVariableW(L"CMAAD_STORE", NULL);
  cmaad_session *s = NULL;
  char *doc = NULL;
  cmaad_status st = cmaad_session_open(NULL, &s, &doc);
  CHECK(st == CMAAD_OK, "open the default store: %u %s", st, doc ? doc : "(null)");
  cmaad_string_free(doc);
  if (s) {
    import_app(s);
    cmaad_session_close(s);
  }
  CHECK(exists(store), "the default store is not at %ls", store);
  s = NULL;
  st = cmaad_session_open("{}", &s, &doc);
  CHECK(st == CMAAD_OK, "reopen the default store with {}: %u %s", st, doc ? doc : "(null)");
  cmaad_string_free(doc);
  if (s) {
    char *out = NULL;
    cmaad_get_apps(s, NULL, &out);
    CHECK(out && strstr(out, CLIENT), "the default store lost its app: %s", out ? out : "(null)");
    cmaad_string_free(out);
    cmaad_session_close(s);
  }
  printf("ok   default store: %ls\n", store);
}

int wmain(int argc, wchar_t **argv) {
  char url[512];
  if (argc == 4 && wcscmp(argv[1], L"--reopen") == 0) {
    utf8(argv[3], url, sizeof url);
    return reopen(argv[2], url);
  }
  if (argc != 3) {
    fprintf(stderr, "usage: windows_test.exe <fake Entra URL> <UNC share>\n");
    return 2;
  }
  utf8(argv[1], url, sizeof url);
  const wchar_t *share = argv[2];
  wchar_t self[MAX_PATH];
  GetModuleFileNameW(NULL, self, MAX_PATH);

  /* DPAPI: a per-user store (user scope) and a store under %ProgramData% (machine scope). */
  wchar_t program_data[MAX_PATH], machine_store[MAX_PATH + 64];
  DWORD got = GetEnvironmentVariableW(L"ProgramData", program_data, MAX_PATH);
  CHECK(got > 0 && got < MAX_PATH, "%%ProgramData%% is not set");
  swprintf(machine_store, MAX_PATH + 64, L"%ls\\CMAAD\\site.db", program_data);
  dpapi_case(self, L"C:\\Users\\J\u00fcrgen\\AppData\\Local\\CMAAD dpapi\\site.db", url, 0,
             L"DPAPI user scope");
  dpapi_case(self, machine_store, url, CRYPTPROTECT_LOCAL_MACHINE, L"DPAPI machine scope (%ProgramData%)");

  planted_key_case();
  env_key_case();
  default_store_case();

  /* Paths. */
  wchar_t long_path[2048] = L"C:\\cmaad tests\\long";
  for (int i = 0; i < 16; i++) wcscat(long_path, L"\\a folder name of twenty");
  wcscat(long_path, L"\\site.db");
  wchar_t long_verbatim[2100];
  swprintf(long_verbatim, 2100, L"\\\\?\\%ls", long_path);
  make_parents(long_verbatim);
  CHECK(wcslen(long_path) > 300, "the long path is only %zu characters", wcslen(long_path));
  wchar_t unc[1024], unc_verbatim[1024];
  swprintf(unc, 1024, L"%ls\\cmaad\\site.db", share);
  swprintf(unc_verbatim, 1024, L"\\\\?\\UNC\\%ls\\cmaad verbatim\\site.db", share + 2);
  struct {
    const wchar_t *label;
    const wchar_t *path;
  } cases[] = {
      {L"drive path, backslashes and spaces", L"C:\\cmaad tests\\with spaces\\site.db"},
      {L"drive path, forward slashes", L"C:/cmaad tests/forward/site.db"},
      {L"non-ASCII profile folder", L"C:\\Users\\J\u00fcrgen\\AppData\\Local\\CMAAD paths\\site.db"},
      {L"long path (over 260 characters)", long_path},
      {L"verbatim drive path", L"\\\\?\\C:\\cmaad tests\\verbatim\\site.db"},
      {L"UNC path", unc},
      {L"verbatim UNC path", unc_verbatim},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) store_round_trip(cases[i].label, cases[i].path);

  if (failures) {
    fprintf(stderr, "windows_test: %d check(s) failed\n", failures);
    return 1;
  }
  printf("Windows checks: all passed\n");
  return 0;
}
