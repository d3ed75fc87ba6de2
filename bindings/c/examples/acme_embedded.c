/* The acme scenario in C, with the engine in process (no server): the policy
 * directory is compiled by tenet_engine_open, and each question is one call.
 *
 *   acme_embedded [POLICY_DIR]              (default policies)
 */
#include <stdio.h>
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

int main(int argc, char** argv) {
  const char* directory = argc > 1 ? argv[1] : "policies";
  tenet_engine* engine = NULL;
  tenet_error* error = NULL;
  if (tenet_engine_open(directory, &engine, &error) != TENET_OK) {
    fprintf(stderr, "%s", tenet_error_message(error)); /* e.g. the policy diagnostics */
    tenet_error_free(error);
    return 1;
  }

  /* Allocating form: the response is ours to free. */
  char* response = NULL;
  if (tenet_engine_call(engine, kAliceReadsD1, strlen(kAliceReadsD1), &response, NULL, NULL) ==
      TENET_OK) {
    printf("alice reads d1: %s\n", response);
    tenet_string_free(response);
  }

  /* The hot path: into our buffer, no allocation at all once warm. */
  char buffer[1024];
  size_t written = 0;
  if (tenet_engine_call_into(engine, kGusBecomesBasic, strlen(kGusBecomesBasic), buffer,
                             sizeof buffer, &written, NULL) == TENET_OK) {
    printf("gus becomes basic: %s\n", buffer);
  }
  tenet_engine_close(engine);
  return 0;
}
