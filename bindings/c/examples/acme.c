/* The acme scenario in C, against a running `tenet serve`: a basic user reads
 * her own document (allow); a guest asks to become basic before KYC (deny,
 * and tenet says which condition is unmet).
 *
 *   acme [HOST:PORT | SOCKET_PATH]          (default 127.0.0.1:7070)
 *   TENET_TOKEN=... acme                    (a server with a token file)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tenet/tenet.h>

static const char* const kAliceReadsD1 =
    "{\"op\":\"check\",\"tenant\":\"acme\","
    "\"principal\":{\"id\":\"alice\",\"role\":\"basic\",\"attrs\":{\"kyc\":\"verified\","
    "\"account_age_days\":12,\"country\":\"DE\",\"tags\":[]}},"
    "\"action\":\"read\","
    "\"resource\":{\"type\":\"document\",\"id\":\"d1\",\"tenant\":\"acme\","
    "\"attrs\":{\"owner\":\"alice\",\"locked\":false,\"classification\":\"internal\"}}}";

static const char* const kGusBecomesBasic =
    "{\"op\":\"transition\",\"tenant\":\"acme\","
    "\"principal\":{\"id\":\"gus\",\"role\":\"guest\",\"attrs\":{\"kyc\":\"pending\","
    "\"account_age_days\":0,\"country\":\"FR\",\"tags\":[]}},"
    "\"to\":\"basic\"}";

/* Prints the JSON list `field` of a response line as it is written there. */
static void print_list(const char* response, const char* field) {
  char key[64];
  snprintf(key, sizeof key, "\"%s\":[", field);
  const char* start = strstr(response, key);
  if (start == NULL) {
    printf("[]");
    return;
  }
  start += strlen(key) - 1;
  const char* end = start + 1;
  for (int in_string = 0; *end != '\0' && (in_string || *end != ']'); ++end) {
    if (in_string && *end == '\\' && end[1] != '\0')
      ++end; /* skip the escaped character */
    else if (*end == '"')
      in_string = !in_string;
  }
  printf("%.*s]", (int)(end - start), start);
}

/* Asks one question; prints "LABEL: allow|deny LIST". Returns 0 on success. */
static int ask(tenet_client* client, const char* label, const char* request, const char* list) {
  char* response = NULL;
  tenet_error* error = NULL;
  if (tenet_client_call(client, request, strlen(request), &response, NULL, &error) != TENET_OK) {
    fprintf(stderr, "%s: %s\n", label, tenet_error_message(error));
    tenet_error_free(error);
    return 1;
  }
  /* A refused request still answers; its "error" member says why. */
  const int refused = strstr(response, "\"error\":") != NULL;
  if (refused) fprintf(stderr, "%s: %s\n", label, response);
  printf("%s: %s ", label, strstr(response, "\"decision\":\"allow\"") != NULL ? "allow" : "deny");
  print_list(response, list);
  printf("\n");
  tenet_string_free(response);
  return refused;
}

int main(int argc, char** argv) {
  const char* address = argc > 1 ? argv[1] : "127.0.0.1:7070";
  tenet_client* client = NULL;
  tenet_error* error = NULL;
  if (tenet_client_connect(address, getenv("TENET_TOKEN"), 5000, &client, &error) != TENET_OK) {
    fprintf(stderr, "%s: %s\n", tenet_status_name(tenet_error_status(error)),
            tenet_error_message(error));
    tenet_error_free(error);
    return 1;
  }
  int failures = ask(client, "alice reads d1", kAliceReadsD1, "reasons");
  failures += ask(client, "gus becomes basic", kGusBecomesBasic, "unmet");
  tenet_client_close(client);
  return failures == 0 ? 0 : 1;
}
