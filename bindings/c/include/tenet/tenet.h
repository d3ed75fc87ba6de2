/* tenet.h — the C ABI of tenet (libtenet.so): decisions from any language.
 *
 * Two ways to ask, with the same call shape: one docs/PROTOCOL.md request line in
 * (JSON, without '\n'), its response line out.
 *
 *   Embedded: tenet_engine_open() compiles a policy directory in process;
 *             tenet_engine_call() answers the decision ops (check, transition,
 *             subscribe, plans, features, lifecycle, batch) in about a
 *             microsecond; tenet_engine_reload() / tenet_engine_set_feature()
 *             are the admin ops.
 *   Remote:   tenet_client_connect() opens a connection to `tenet serve`
 *             (TCP "host:port" or a Unix socket path, optional token sent with
 *             `hello`); tenet_client_connect_with() adds TLS (certificate
 *             verified) and client certificates (mutual TLS);
 *             tenet_client_call() sends any op, admin ops included.
 *
 * Conventions
 *   - Every function that can fail returns a tenet_status. TENET_OK is 0.
 *   - A request the engine or server rejects (bad JSON, unknown op, an
 *     attribute that does not fit the schema...) is NOT a failure of the call:
 *     the status is TENET_OK and the response line carries the protocol's
 *     "error" object (and, for decision ops, "decision":"deny").
 *   - `error` out-parameters may be NULL. When not NULL and the call fails,
 *     *error receives a tenet_error that the caller frees with
 *     tenet_error_free(); on success *error is set to NULL.
 *   - Every string handed to the caller is NUL-terminated and freed with
 *     tenet_string_free(). Nothing else is allocated for the caller.
 *   - Handles are opaque; no C++ type crosses this boundary. Closing NULL is a
 *     no-op.
 *   - Only `tenet_*` symbols are exported. The ABI version is the SONAME's
 *     (libtenet.so.0); TENET_ABI_VERSION below matches it.
 */
#ifndef TENET_TENET_H
#define TENET_TENET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TENET_API __attribute__((visibility("default")))
#else
#define TENET_API
#endif

#define TENET_ABI_VERSION 0

typedef enum tenet_status {
  TENET_OK = 0,
  TENET_INVALID_ARGUMENT = 1, /* a NULL handle or string, a bad address or state */
  TENET_IO_ERROR = 2,         /* open/reload: the directory is missing or unreadable */
  TENET_POLICY_ERROR = 3,     /* open/reload: the policy set has errors (message: diagnostics) */
  TENET_NOT_FOUND = 4,        /* set_feature: no such tenant or feature */
  TENET_BUFFER_TOO_SMALL = 5, /* call_into: *written holds the length needed */
  TENET_CONNECTION_ERROR = 6, /* remote: cannot connect, connection lost, or out of step */
  TENET_TIMEOUT = 7,          /* remote: no response within the timeout */
  TENET_PROTOCOL_ERROR = 8,   /* remote: the server refused (e.g. hello with a bad token) */
  TENET_OUT_OF_MEMORY = 9,
  TENET_INTERNAL = 10
} tenet_status;

typedef struct tenet_engine tenet_engine; /* an in-process engine */
typedef struct tenet_client tenet_client; /* a connection to `tenet serve` */
typedef struct tenet_error tenet_error;   /* why a call failed */

/* ---- errors and strings (thread-safe: each object belongs to its caller) */

/* The status the failing call returned. */
TENET_API tenet_status tenet_error_status(const tenet_error* error);
/* A human-readable message; valid until tenet_error_free(). Never NULL. */
TENET_API const char* tenet_error_message(const tenet_error* error);
TENET_API void tenet_error_free(tenet_error* error);
/* Frees a string returned by tenet_engine_call / tenet_client_call. */
TENET_API void tenet_string_free(char* string);
/* "TENET_OK", "TENET_IO_ERROR"...: a static string. Thread-safe. */
TENET_API const char* tenet_status_name(tenet_status status);
/* The library version, e.g. "0.1.0": a static string. Thread-safe. */
TENET_API const char* tenet_version(void);

/* ---- embedded engine */

/* Loads, checks and compiles every *.tenet file below `directory`.
 * TENET_IO_ERROR / TENET_POLICY_ERROR carry the problems (rendered as
 * `tenet check` prints them) in *error; a directory without any policy file
 * is TENET_POLICY_ERROR (as `tenet check` exits 1). Thread-safe. */
TENET_API tenet_status tenet_engine_open(const char* directory, tenet_engine** engine,
                                         tenet_error** error);

/* How tenet_engine_open_with loads policies: the parse limits of `tenet
 * check --max-file-bytes ...` (LANGUAGE.md section 9, "Limits"). Zero the
 * struct, set struct_size, then only the fields to change; a field left 0
 * keeps its default. */
typedef struct tenet_engine_options {
  size_t struct_size;          /* sizeof(tenet_engine_options); smaller: INVALID_ARGUMENT */
  size_t max_file_bytes;       /* largest .tenet file, in bytes (default 16 MiB) */
  size_t max_nesting;          /* deepest expression nesting as written (default 256) */
  size_t max_expression_depth; /* deepest expression tree, chains link by link (default 1024) */
  size_t max_syntax_errors;    /* syntax errors per file before giving up on it (default 20) */
} tenet_engine_options;

/* tenet_engine_open with options (NULL: the defaults, as tenet_engine_open).
 * The engine keeps them: tenet_engine_reload loads with the same limits. A
 * file over a limit is a TENET_POLICY_ERROR naming it. Thread-safe. */
TENET_API tenet_status tenet_engine_open_with(const char* directory,
                                              const tenet_engine_options* options,
                                              tenet_engine** engine, tenet_error** error);

/* Answers one request line (`request`, `length` bytes, no '\n'): *response
 * receives the response line (free it with tenet_string_free), and
 * *response_length (may be NULL) its length without the NUL.
 * Thread-safe: many threads may call it on one engine at once, also while
 * another thread reloads (a call finishes on the set it started with). */
TENET_API tenet_status tenet_engine_call(const tenet_engine* engine, const char* request,
                                         size_t length, char** response, size_t* response_length,
                                         tenet_error** error);

/* The same, into the caller's buffer: nothing is allocated once the calling
 * thread is warm. On TENET_OK the response and a NUL fill `buffer`, and
 * *written is its length without the NUL. When it does not fit
 * (TENET_BUFFER_TOO_SMALL), *written is the length needed (without the NUL)
 * and the buffer is left unchanged. Thread-safe, like tenet_engine_call. */
TENET_API tenet_status tenet_engine_call_into(const tenet_engine* engine, const char* request,
                                              size_t length, char* buffer, size_t capacity,
                                              size_t* written, tenet_error** error);

/* Recompiles the directory the engine was opened on (with the options it
 * was opened with) and swaps it in atomically; on failure the old set keeps
 * serving. Runtime feature switches
 * are kept. Thread-safe (serialised with set_feature). */
TENET_API tenet_status tenet_engine_reload(tenet_engine* engine, tenet_error** error);

/* Switches a feature at run time: `state` is "on", "off" or "default".
 * Not persisted (the server's state file is the server's). Thread-safe. */
TENET_API tenet_status tenet_engine_set_feature(tenet_engine* engine, const char* tenant,
                                                const char* feature, const char* state,
                                                tenet_error** error);

/* Frees the engine. No call on it may be running or follow. */
TENET_API void tenet_engine_close(tenet_engine* engine);

/* ---- remote client */

/* Connects to `tenet serve` at `address`: "HOST:PORT" for TCP, or a Unix
 * socket path ("unix:PATH", or any address with a '/'). With a non-NULL
 * `token`, sends `hello` and fails with TENET_PROTOCOL_ERROR if refused.
 * `timeout_ms` bounds the connect and every later call (0: 5000 ms).
 * Thread-safe (each call makes its own client). */
TENET_API tenet_status tenet_client_connect(const char* address, const char* token, int timeout_ms,
                                            tenet_client** client, tenet_error** error);

/* Options of tenet_client_connect_with (a later addition: the ABI only grew).
 * Zero the struct, set struct_size, then the fields you need; NULL / 0 keeps
 * a default. */
typedef struct tenet_client_options {
  size_t struct_size; /* sizeof(tenet_client_options); smaller: INVALID_ARGUMENT */
  const char* token;  /* sent with `hello` on every connect (NULL: none) */
  int timeout_ms;     /* bounds the connect and every call (0: 5000 ms) */
  /* TLS to a `tenet serve --tls-cert ...` TCP listener: non-zero for TLS 1.2+
   * with the server's certificate verified (0: plaintext, the default). */
  int tls;
  const char* tls_ca_file;     /* PEM CA certificate(s) to trust (NULL: the system's CAs) */
  const char* tls_cert_file;   /* client certificate chain (PEM), for mutual TLS... */
  const char* tls_key_file;    /* ...and its private key (PEM); both or neither */
  const char* tls_server_name; /* name or IP the server's certificate must carry (NULL: the
                                  address's host) */
} tenet_client_options;

/* tenet_client_connect with options (NULL: plaintext, no token, 5000 ms).
 * With `tls`: a certificate that does not verify (unknown CA, wrong name,
 * expired) fails with TENET_CONNECTION_ERROR and a message saying why
 * ("TLS handshake with HOST:PORT failed: certificate verify failed: unable to
 * get local issuer certificate"); a file that cannot be read, TLS on a Unix
 * socket address, or a certificate without its key is TENET_INVALID_ARGUMENT.
 * With a client certificate the server binds the connection to the
 * certificate's tenant (`tenet:tenant:NAME`): the client says `hello` without
 * a token, and `{"op":"hello"}` through tenet_client_call answers the tenant.
 * Thread-safe (each call makes its own client). */
TENET_API tenet_status tenet_client_connect_with(const char* address,
                                                 const tenet_client_options* options,
                                                 tenet_client** client, tenet_error** error);

/* Sends one request line (any op) and waits for its response line, as
 * tenet_engine_call. A lost connection or timeout fails the call
 * (TENET_CONNECTION_ERROR / TENET_TIMEOUT) and closes it; the next call
 * reconnects (and says hello again), so a late answer to a failed call is
 * never returned to a later one. A connection the server closed while idle
 * (its --idle-timeout, a restart) is replaced without an error; when that
 * close crosses the request (no byte of the answer received) the request is
 * sent once more on a new connection (decision ops only read; set_feature
 * and reload twice leave the same state). NOT thread-safe: one thread at a
 * time per client (use one client per thread). */
TENET_API tenet_status tenet_client_call(tenet_client* client, const char* request, size_t length,
                                         char** response, size_t* response_length,
                                         tenet_error** error);

/* ---- partner policy units (remote; the token needs the `author` right)
 *
 * Each sends one op and puts the server's whole answer (a JSON object, see
 * docs/PROTOCOL.md) in *response, refused or not: read `revision`, `changes`,
 * `diagnostics` ({file,line,column,severity,code,message} objects), `source`,
 * `revisions` from it; free it with tenet_string_free. A refusal also fails
 * the call: TENET_POLICY_ERROR when the unit does not compile or is out of its
 * scope (invalid_policy; the message is the server's, then one
 * "FILE:LINE:COL: severity: message" line per diagnostic), TENET_PROTOCOL_ERROR
 * for any other refusal ("forbidden: ...", "too_large: ...", "invalid_request:
 * ..." for a revision that is not kept). Connection failures as
 * tenet_client_call (then *response is NULL). NOT thread-safe per client. */

/* Replaces `tenant`'s unit with `source` (its whole text, `source_length`
 * bytes): a new revision. With `dry_run` non-zero, only checks it and
 * reports what would change. */
TENET_API tenet_status tenet_client_put_policy(tenet_client* client, const char* tenant,
                                               const char* source, size_t source_length,
                                               int dry_run, char** response,
                                               size_t* response_length, tenet_error** error);
/* The unit served now: {"tenant","revision","path","hash","source"}. */
TENET_API tenet_status tenet_client_get_policy(tenet_client* client, const char* tenant,
                                               char** response, size_t* response_length,
                                               tenet_error** error);
/* The kept revisions, newest first: {"revisions":[{"revision","time","actor","hash"}...]}. */
TENET_API tenet_status tenet_client_policy_history(tenet_client* client, const char* tenant,
                                                   char** response, size_t* response_length,
                                                   tenet_error** error);
/* The source of `revision` becomes a new revision (the answer of put_policy). */
TENET_API tenet_status tenet_client_rollback(tenet_client* client, const char* tenant,
                                             uint64_t revision, char** response,
                                             size_t* response_length, tenet_error** error);

/* Closes the connection and frees the client. Not concurrently with a call. */
TENET_API void tenet_client_close(tenet_client* client);

#ifdef __cplusplus
}
#endif

#endif /* TENET_TENET_H */
