/* etcd.c - the etcd v3 JSON-gateway client; see etcd.h.
 *
 * Three layers: exchange() makes one POST, walking the endpoints until one
 * answers; call() adds the JSON on both sides, etcd's errors and the auth
 * token (renewed once when etcd says it is no longer valid); the public
 * functions build their request and decode their answer.  The watch is the
 * exception: its answer is an endless stream, read line by line under a
 * curl multi handle so that *stop is looked at every WATCH_POLL_MS.
 */
#include "etcd.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "base64.h"
#include "clock.h"

#define WATCH_POLL_MS 100
/* Far above any answer this client asks for; a bound so that a confused
 * server cannot make it allocate without limit. */
#define MAX_ANSWER (64u << 20)

struct etcd {
	char *endpoints[ETCD_MAX_ENDPOINTS];
	size_t n_endpoints;
	size_t current;		/* where the next call starts */
	size_t last_ok;		/* the endpoint of the last successful call */
	bool answered;		/* some call has succeeded */
	char *cacert, *cert, *key, *user, *password;
	unsigned connect_timeout_ms, request_timeout_ms;
	char *token;		/* NULL: none yet (or no auth) */
	CURL *curl;
};

/* A growing byte buffer, NUL-terminated. */
struct buf {
	char *data;
	size_t len, cap;
	bool too_big;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void buf_free(struct buf *b)
{
	free(b->data);
	*b = (struct buf){ 0 };
}

static bool buf_add(struct buf *b, const char *p, size_t n)
{
	size_t cap;
	char *data;

	if (b->len + n + 1 > MAX_ANSWER) {
		b->too_big = true;
		return false;
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		data = realloc(b->data, cap);
		if (!data)
			return false;
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

/* --- settings --- */

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int check_settings(const struct etcd_settings *s, struct lf_error *err)
{
	size_t i;

	if (s->n_endpoints == 0 || s->n_endpoints > ETCD_MAX_ENDPOINTS)
		return lf_error_set(err, EINVAL,
				    "etcd: %zu endpoints (1 to %d allowed)",
				    s->n_endpoints, ETCD_MAX_ENDPOINTS);
	for (i = 0; i < s->n_endpoints; i++)
		if (!s->endpoints[i] || !s->endpoints[i][0])
			return lf_error_set(err, EINVAL,
					    "etcd: endpoint %zu is empty", i + 1);
	if (s->user && !s->password)
		return lf_error_set(err, EINVAL,
				    "etcd: user %s has no password", s->user);
	if (!s->user && s->password)
		return lf_error_set(err, EINVAL, "etcd: a password without a user");
	if (!s->cert != !s->key)
		return lf_error_set(err, EINVAL,
				    "etcd: a client certificate needs its key and a key its certificate");
	return 0;
}

int etcd_open(const struct etcd_settings *s, struct etcd **out,
	      struct lf_error *err)
{
	struct etcd *c;
	size_t i;
	int rc;

	*out = NULL;
	rc = check_settings(s, err);
	if (rc)
		return rc;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return lf_error_set(err, EIO, "etcd: libcurl: %s",
				    curl_easy_strerror(curl_init_rc));
	c = calloc(1, sizeof(*c));
	if (!c)
		return lf_error_set(err, ENOMEM, "etcd: out of memory");
	rc = 0;
	for (i = 0; i < s->n_endpoints && !rc; i++)
		rc = dup_opt(s->endpoints[i], &c->endpoints[i]);
	c->n_endpoints = i;
	if (!rc)
		rc = dup_opt(s->cacert, &c->cacert);
	if (!rc)
		rc = dup_opt(s->cert, &c->cert);
	if (!rc)
		rc = dup_opt(s->key, &c->key);
	if (!rc)
		rc = dup_opt(s->user, &c->user);
	if (!rc)
		rc = dup_opt(s->password, &c->password);
	if (!rc) {
		c->curl = curl_easy_init();
		if (!c->curl)
			rc = -ENOMEM;
	}
	if (rc) {
		etcd_close(c);
		return lf_error_set(err, ENOMEM, "etcd: out of memory");
	}
	c->connect_timeout_ms = s->connect_timeout_ms ? s->connect_timeout_ms
						      : ETCD_CONNECT_TIMEOUT_MS_DEFAULT;
	c->request_timeout_ms = s->request_timeout_ms ? s->request_timeout_ms
						      : ETCD_REQUEST_TIMEOUT_MS_DEFAULT;
	*out = c;
	return 0;
}

void etcd_close(struct etcd *c)
{
	size_t i;

	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	for (i = 0; i < c->n_endpoints; i++)
		free(c->endpoints[i]);
	free(c->cacert);
	free(c->cert);
	free(c->key);
	free(c->user);
	if (c->password)
		memset(c->password, 0, strlen(c->password));
	free(c->password);
	free(c->token);
	free(c);
}

const char *etcd_endpoint(const struct etcd *c)
{
	return c->answered ? c->endpoints[c->last_ok] : "";
}

/* --- one POST --- */

static size_t write_buf(char *p, size_t size, size_t n, void *arg)
{
	return buf_add(arg, p, size * n) ? size * n : 0;
}

/* The headers of every request: JSON, no "Expect: 100-continue" (a round
 * trip lost on bodies over 1 KiB), and the auth token when there is one. */
static struct curl_slist *request_headers(const struct etcd *c)
{
	struct curl_slist *h = NULL, *next;
	char *auth = NULL;

	next = curl_slist_append(h, "Content-Type: application/json");
	if (!next)
		return NULL;
	h = next;
	next = curl_slist_append(h, "Expect:");
	if (!next)
		goto fail;
	h = next;
	if (!c->token)
		return h;
	if (asprintf(&auth, "Authorization: %s", c->token) < 0)
		goto fail;
	next = curl_slist_append(h, auth);
	free(auth);
	if (!next)
		goto fail;
	return next;
fail:
	curl_slist_free_all(h);
	return NULL;
}

/* Set up c->curl for a POST of body to path on endpoint ep, its answer
 * going to write(arg). */
static int setup(struct etcd *c, size_t ep, const char *path, const char *body,
		 struct curl_slist *headers, char *errbuf,
		 curl_write_callback write, void *arg, long timeout_ms)
{
	CURL *h = c->curl;
	char *url;
	CURLcode rc = CURLE_OK;

	if (asprintf(&url, "%s%s", c->endpoints[ep], path) < 0)
		return -ENOMEM;
	curl_easy_reset(h);
	errbuf[0] = '\0';
#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_WRITEFUNCTION, write);
	SET(CURLOPT_WRITEDATA, arg);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, timeout_ms);
	SET(CURLOPT_TCP_NODELAY, 1L);
	if (c->cacert)
		SET(CURLOPT_CAINFO, c->cacert);
	if (c->cert)
		SET(CURLOPT_SSLCERT, c->cert);
	if (c->key)
		SET(CURLOPT_SSLKEY, c->key);
#undef SET
	free(url);	/* libcurl copies string options */
	return rc == CURLE_OK ? 0 : -EINVAL;
}

/* Why a transfer failed, in words: libcurl's detail when it has one. */
static const char *curl_why(CURLcode rc, const char *errbuf)
{
	return errbuf[0] ? errbuf : curl_easy_strerror(rc);
}

/* The TLS handshake (or the first read after it, in TLS 1.3) ended with
 * the server refusing our certificate, or the lack of one. */
static bool cert_refused(CURLcode rc, const char *errbuf)
{
	if (rc != CURLE_SSL_CONNECT_ERROR && rc != CURLE_RECV_ERROR &&
	    rc != CURLE_SEND_ERROR)
		return false;
	return strstr(errbuf, "alert certificate required") ||
	       strstr(errbuf, "alert bad certificate") ||
	       strstr(errbuf, "alert unknown ca") ||
	       strstr(errbuf, "alert certificate unknown");
}

/* Whether the server refused our certificate (or the lack of one), when
 * a transfer failed on an https endpoint with errbuf's words.  Under TLS
 * 1.3 the client's side of the handshake ends before the server has
 * checked its certificate, so the refusal races with the request: what
 * libcurl reports is the server's alert, or as often a reset or a broken
 * pipe.  Those are asked again with a handshake alone under TLS 1.2, where
 * the server decides before the handshake ends; errbuf then says why. */
static bool refused(struct etcd *c, size_t ep, CURLcode rc, char *errbuf)
{
	static const char nothing[] = "";
	char probe[CURL_ERROR_SIZE];
	CURLcode prc;

	if (cert_refused(rc, errbuf))
		return true;
	if ((rc != CURLE_SEND_ERROR && rc != CURLE_RECV_ERROR) ||
	    strncmp(c->endpoints[ep], "https:", 6))
		return false;
	if (setup(c, ep, "/", nothing, NULL, probe, write_buf, NULL,
		  (long)c->connect_timeout_ms))
		return false;
	if (curl_easy_setopt(c->curl, CURLOPT_CONNECT_ONLY, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_SSLVERSION,
			     (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2)) != CURLE_OK)
		return false;
	prc = curl_easy_perform(c->curl);
	if (prc == CURLE_OK || !cert_refused(prc, probe))
		return false;
	memcpy(errbuf, probe, sizeof(probe));
	return true;
}

/* The TLS files of the settings cannot be used: every endpoint would say
 * the same. */
static bool bad_tls_files(CURLcode rc)
{
	return rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE;
}

/* The "endpoint: why; ..." list of a failed round. */
static void tried_add(char *tried, size_t size, const char *ep, const char *why)
{
	size_t len = strlen(tried);

	if (len + 1 >= size)
		return;
	snprintf(tried + len, size - len, "%s%s: %s", len ? "; " : "", ep, why);
}

/* POST body to path, trying each endpoint from the current one on until
 * one answers (any HTTP answer counts: etcd's errors come with a status
 * of 4xx or 5xx and a JSON body).  The answer lands in *answer. */
static int exchange(struct etcd *c, const char *path, const char *body,
		    struct buf *answer, struct lf_error *err)
{
	char errbuf[CURL_ERROR_SIZE], tried[LF_ERROR_MSG_MAX] = "";
	struct curl_slist *headers;
	size_t i, ep;
	CURLcode rc;
	int ret;

	headers = request_headers(c);
	if (!headers)
		return lf_error_set(err, ENOMEM, "etcd: out of memory");
	for (i = 0; i < c->n_endpoints; i++) {
		ep = (c->current + i) % c->n_endpoints;
		buf_free(answer);
		ret = setup(c, ep, path, body, headers, errbuf, write_buf,
			    answer, (long)c->request_timeout_ms);
		if (ret) {
			ret = lf_error_set(err, -ret, "etcd: cannot set up a request to %s",
					   c->endpoints[ep]);
			goto out;
		}
		rc = curl_easy_perform(c->curl);
		if (rc == CURLE_OK) {
			c->current = ep;
			ret = 0;
			goto out;
		}
		if (bad_tls_files(rc)) {
			ret = lf_error_set(err, EACCES, "etcd: cannot use the TLS files: %s",
					   curl_why(rc, errbuf));
			goto out;
		}
		if (refused(c, ep, rc, errbuf)) {
			ret = lf_error_set(err, EACCES,
					   "etcd: %s refused the TLS client certificate%s (%s)",
					   c->endpoints[ep],
					   c->cert ? "" : " (none configured)",
					   curl_why(rc, errbuf));
			goto out;
		}
		if (answer->too_big) {
			ret = lf_error_set(err, EIO, "etcd: %s%s: answer over %u bytes",
					   c->endpoints[ep], path, MAX_ANSWER);
			goto out;
		}
		if (answer->len) {
			ret = lf_error_set(err, EIO, "etcd: %s%s: answer cut short: %s",
					   c->endpoints[ep], path, curl_why(rc, errbuf));
			goto out;
		}
		tried_add(tried, sizeof(tried), c->endpoints[ep], curl_why(rc, errbuf));
	}
	ret = lf_error_set(err, EIO, "etcd: no endpoint answered: %s", tried);
out:
	curl_slist_free_all(headers);
	return ret;
}

/* --- JSON in, JSON out, etcd's errors --- */

/* An int64 field: a JSON string (or a number, to be lenient), absent
 * meaning 0. */
static long long json_ll(const cJSON *obj, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (cJSON_IsString(f))
		return strtoll(f->valuestring, NULL, 10);
	if (cJSON_IsNumber(f))
		return (long long)f->valuedouble;
	return 0;
}

static bool json_true(const cJSON *obj, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

static long long header_revision(const cJSON *obj)
{
	return json_ll(cJSON_GetObjectItemCaseSensitive(obj, "header"), "revision");
}

/* What kind of failure etcd's message describes. */
enum etcd_failure {
	FAIL_OTHER,
	FAIL_AUTH,		/* wrong password, no user, no permission */
	FAIL_TOKEN,		/* the token expired: authenticate again */
	FAIL_COMPACTED,
	FAIL_NO_LEASE,
	FAIL_UNAVAILABLE,	/* no leader for the moment: ask again */
};

static enum etcd_failure classify(const char *msg)
{
	if (strstr(msg, "invalid auth token"))
		return FAIL_TOKEN;
	if (strstr(msg, "authentication failed") ||
	    strstr(msg, "user name is empty") ||
	    strstr(msg, "permission denied"))
		return FAIL_AUTH;
	if (strstr(msg, "has been compacted"))
		return FAIL_COMPACTED;
	if (strstr(msg, "lease not found"))
		return FAIL_NO_LEASE;
	/* An election after the leader died, or a request the cluster
	 * could not settle in time (it may or may not have been applied). */
	if (strstr(msg, "leader changed") || strstr(msg, "no leader") ||
	    strstr(msg, "request timed out") || strstr(msg, "too many requests"))
		return FAIL_UNAVAILABLE;
	return FAIL_OTHER;
}

static const int failure_errno[] = {
	[FAIL_OTHER] = EIO,
	[FAIL_AUTH] = EACCES,
	[FAIL_TOKEN] = EACCES,
	[FAIL_COMPACTED] = ESTALE,
	[FAIL_NO_LEASE] = ENOENT,
	[FAIL_UNAVAILABLE] = EAGAIN,
};

/* etcd's error message in an answer, or NULL.  Unary calls answer
 * {"error": "...", "message": "...", "code": N}; streams (watch,
 * keepalive) {"error": {"message": "...", ...}}. */
static const char *etcd_error(const cJSON *doc)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
	const cJSON *m;

	if (!e)
		return NULL;
	m = cJSON_GetObjectItemCaseSensitive(cJSON_IsObject(e) ? e : doc,
					     "message");
	if (cJSON_IsString(m))
		return m->valuestring;
	return cJSON_IsString(e) ? e->valuestring : "unknown error";
}

/* An answer that is not etcd's JSON: from a proxy, say, or the
 * gateway's plain-text refusal of a client certificate that names a
 * CommonName (etcd does that when client-cert-auth and auth are both on,
 * since it cannot pass the name on). */
static int not_json(const struct etcd *c, const char *path,
		    const struct buf *answer, struct lf_error *err)
{
	const char *ep = c->endpoints[c->current];
	const char *text = answer->data ? answer->data : "";
	long status = 0;
	int len;

	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	len = (int)strcspn(text, "\r\n");
	if (len > 160)
		len = 160;
	if (strstr(text, "CommonName of client sending a request against gateway"))
		return lf_error_set(err, EACCES,
				    "etcd: %s refused the TLS client certificate: it has a CommonName, which etcd's JSON gateway does not accept when it requires client certificates and authentication (HTTP %ld)",
				    ep, status);
	return lf_error_set(err, EIO, "etcd: %s%s: HTTP %ld, not JSON: %.*s",
			    ep, path, status, len, text);
}

static int authenticate(struct etcd *c, struct lf_error *err);

/* POST body to path, with the token; *reply is the parsed answer (the
 * caller's to delete), or the error etcd gave.  An expired token is
 * renewed and the request sent again, once. */
static int call_text(struct etcd *c, const char *path, const char *body,
		     bool with_token, cJSON **reply, struct lf_error *err)
{
	struct buf answer = { 0 };
	const char *msg;
	enum etcd_failure f;
	int ret, attempt;

	*reply = NULL;
	for (attempt = 0; attempt < 2; attempt++) {
		if (with_token && c->user && !c->token) {
			ret = authenticate(c, err);
			if (ret)
				goto out;
		}
		ret = exchange(c, path, body, &answer, err);
		if (ret)
			goto out;
		cJSON_Delete(*reply);
		*reply = cJSON_ParseWithLength(answer.data ? answer.data : "", answer.len);
		if (!cJSON_IsObject(*reply)) {
			ret = not_json(c, path, &answer, err);
			goto out;
		}
		msg = etcd_error(*reply);
		if (!msg) {
			c->last_ok = c->current;
			c->answered = true;
			ret = 0;
			goto out;
		}
		f = classify(msg);
		ret = lf_error_set(err, failure_errno[f], "etcd: %s%s: %s",
				   c->endpoints[c->current], path, msg);
		if (f != FAIL_TOKEN || !with_token || !c->user)
			goto out;
		free(c->token);
		c->token = NULL;
	}
out:
	if (ret) {
		cJSON_Delete(*reply);
		*reply = NULL;
	}
	buf_free(&answer);
	return ret;
}

static int call(struct etcd *c, const char *path, cJSON *body, cJSON **reply,
		struct lf_error *err)
{
	char *text;
	int ret;

	*reply = NULL;
	text = body ? cJSON_PrintUnformatted(body) : NULL;
	if (!text)
		return lf_error_set(err, ENOMEM, "etcd: out of memory");
	ret = call_text(c, path, text, true, reply, err);
	cJSON_free(text);
	return ret;
}

static int authenticate(struct etcd *c, struct lf_error *err)
{
	cJSON *body, *reply = NULL;
	const cJSON *token;
	char *text = NULL, why[LF_ERROR_MSG_MAX];
	int ret;

	body = cJSON_CreateObject();
	if (!body || !cJSON_AddStringToObject(body, "name", c->user) ||
	    !cJSON_AddStringToObject(body, "password", c->password) ||
	    !(text = cJSON_PrintUnformatted(body))) {
		ret = lf_error_set(err, ENOMEM, "etcd: out of memory");
		goto out;
	}
	ret = call_text(c, "/v3/auth/authenticate", text, false, &reply, err);
	if (ret == -EACCES && err && strstr(err->msg, "authentication failed")) {
		snprintf(why, sizeof(why), "%s", err->msg + strlen("etcd: "));
		ret = lf_error_set(err, EACCES, "etcd: user %s: %s", c->user, why);
	}
	if (ret)
		goto out;
	token = cJSON_GetObjectItemCaseSensitive(reply, "token");
	if (!cJSON_IsString(token) || !token->valuestring[0]) {
		ret = lf_error_set(err, EIO, "etcd: %s gave no auth token",
				   c->endpoints[c->current]);
		goto out;
	}
	c->token = strdup(token->valuestring);
	if (!c->token)
		ret = lf_error_set(err, ENOMEM, "etcd: out of memory");
out:
	if (text) {
		memset(text, 0, strlen(text));
		cJSON_free(text);
	}
	cJSON_Delete(body);
	cJSON_Delete(reply);
	return ret;
}

/* --- requests --- */

/* obj[name] = base64 of s[0..len). */
static bool add_b64(cJSON *obj, const char *name, const void *s, size_t len)
{
	char *b = base64_encode(s, len);
	bool ok = b && cJSON_AddStringToObject(obj, name, b);

	free(b);
	return ok;
}

/* A range_end of "" is etcd's "\0": every key from key on. */
static bool add_range_end(cJSON *obj, const char *range_end)
{
	if (!range_end)
		return true;
	return add_b64(obj, "range_end", range_end[0] ? range_end : "",
		       range_end[0] ? strlen(range_end) : 1);
}

static bool add_ll(cJSON *obj, const char *name, long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", v);
	return cJSON_AddStringToObject(obj, name, num) != NULL;
}

static cJSON *range_request(const char *key, const char *range_end,
			    long long revision, long long limit)
{
	cJSON *r = cJSON_CreateObject();

	if (!r || !add_b64(r, "key", key, strlen(key)) ||
	    !add_range_end(r, range_end) ||
	    (revision && !add_ll(r, "revision", revision)) ||
	    (limit && !add_ll(r, "limit", limit))) {
		cJSON_Delete(r);
		return NULL;
	}
	return r;
}

/* --- answers --- */

static void kv_free(struct etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
}

void etcd_kvs_free(struct etcd_kvs *kvs)
{
	size_t i;

	if (!kvs)
		return;
	for (i = 0; i < kvs->n; i++)
		kv_free(&kvs->kv[i]);
	free(kvs->kv);
	*kvs = (struct etcd_kvs){ 0 };
}

/* A base64 field into a new string ("" when absent). */
static int b64_field(const cJSON *obj, const char *name, char **out, size_t *len)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, name);
	size_t ignored;

	if (!f)
		return base64_decode("", out, len ? len : &ignored);
	if (!cJSON_IsString(f))
		return -EINVAL;
	return base64_decode(f->valuestring, out, len ? len : &ignored);
}

static int decode_kv(const cJSON *o, struct etcd_kv *kv, struct lf_error *err)
{
	int rc;

	*kv = (struct etcd_kv){ 0 };
	if (!cJSON_IsObject(o))
		return lf_error_set(err, EIO, "etcd: a key-value pair is not an object");
	rc = b64_field(o, "key", &kv->key, NULL);
	if (!rc)
		rc = b64_field(o, "value", &kv->value, &kv->value_len);
	if (rc) {
		kv_free(kv);
		*kv = (struct etcd_kv){ 0 };
		return lf_error_set(err, -rc, rc == -ENOMEM ? "etcd: out of memory"
				    : "etcd: a key or value is not base64");
	}
	kv->create_revision = json_ll(o, "create_revision");
	kv->mod_revision = json_ll(o, "mod_revision");
	kv->version = json_ll(o, "version");
	kv->lease = json_ll(o, "lease");
	return 0;
}

/* The "kvs" of a range answer (or of a txn's response_range). */
static int decode_kvs(const cJSON *resp, struct etcd_kvs *out,
		      struct lf_error *err)
{
	const cJSON *kvs = cJSON_GetObjectItemCaseSensitive(resp, "kvs");
	const cJSON *o;
	int rc;

	*out = (struct etcd_kvs){ 0 };
	out->revision = header_revision(resp);
	out->more = json_true(resp, "more");
	if (!kvs)
		return 0;
	if (!cJSON_IsArray(kvs))
		return lf_error_set(err, EIO, "etcd: \"kvs\" is not an array");
	out->kv = calloc((size_t)cJSON_GetArraySize(kvs) + 1, sizeof(*out->kv));
	if (!out->kv)
		return lf_error_set(err, ENOMEM, "etcd: out of memory");
	cJSON_ArrayForEach(o, kvs) {
		rc = decode_kv(o, &out->kv[out->n], err);
		if (rc) {
			etcd_kvs_free(out);
			return rc;
		}
		out->n++;
	}
	return 0;
}

/* --- range --- */

void etcd_prefix_end(const char *prefix, char *out)
{
	size_t len = strlen(prefix);

	memcpy(out, prefix, len + 1);
	while (len > 0 && (unsigned char)out[len - 1] == 0xff)
		out[--len] = '\0';
	if (len > 0)
		out[len - 1] = (char)((unsigned char)out[len - 1] + 1);
}

int etcd_range(struct etcd *c, const char *key, const char *range_end,
	       long long revision, long long limit, struct etcd_kvs *out,
	       struct lf_error *err)
{
	cJSON *req, *reply = NULL;
	int rc;

	*out = (struct etcd_kvs){ 0 };
	req = range_request(key, range_end, revision, limit);
	if (!req)
		return lf_error_set(err, ENOMEM, "etcd: out of memory");
	rc = call(c, "/v3/kv/range", req, &reply, err);
	if (!rc)
		rc = decode_kvs(reply, out, err);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}

/* --- txn --- */

static const char *const target_name[] = {
	[ETCD_VERSION] = "VERSION",
	[ETCD_CREATE_REVISION] = "CREATE",
	[ETCD_MOD_REVISION] = "MOD",
	[ETCD_LEASE] = "LEASE",
};
static const char *const target_field[] = {
	[ETCD_VERSION] = "version",
	[ETCD_CREATE_REVISION] = "create_revision",
	[ETCD_MOD_REVISION] = "mod_revision",
	[ETCD_LEASE] = "lease",
};
static const char *const result_name[] = {
	[ETCD_EQUAL] = "EQUAL",
	[ETCD_GREATER] = "GREATER",
	[ETCD_LESS] = "LESS",
	[ETCD_NOT_EQUAL] = "NOT_EQUAL",
};

static cJSON *compare_json(const struct etcd_cmp *cmp)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !add_b64(o, "key", cmp->key, strlen(cmp->key)) ||
	    !add_range_end(o, cmp->range_end) ||
	    !cJSON_AddStringToObject(o, "target", target_name[cmp->target]) ||
	    !cJSON_AddStringToObject(o, "result", result_name[cmp->result]) ||
	    !add_ll(o, target_field[cmp->target], cmp->number)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *op_json(const struct etcd_op *op)
{
	cJSON *o = cJSON_CreateObject(), *r = NULL;
	const char *name = op->kind == ETCD_OP_RANGE ? "request_range"
			 : op->kind == ETCD_OP_PUT ? "request_put"
			 : "request_delete_range";

	if (!o)
		return NULL;
	if (op->kind == ETCD_OP_RANGE)
		r = range_request(op->key, op->range_end, 0, 0);
	else if ((r = cJSON_CreateObject()) && op->kind == ETCD_OP_PUT) {
		if (!add_b64(r, "key", op->key, strlen(op->key)) ||
		    !add_b64(r, "value", op->value ? op->value : "", op->value_len) ||
		    (op->lease && !add_ll(r, "lease", op->lease))) {
			cJSON_Delete(r);
			r = NULL;
		}
	} else if (r) {
		if (!add_b64(r, "key", op->key, strlen(op->key)) ||
		    !add_range_end(r, op->range_end)) {
			cJSON_Delete(r);
			r = NULL;
		}
	}
	if (!r || !cJSON_AddItemToObject(o, name, r)) {
		cJSON_Delete(r);
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *txn_request(const struct etcd_cmp *cmp, size_t n_cmp,
			  const struct etcd_op *success, size_t n_success,
			  const struct etcd_op *failure, size_t n_failure)
{
	cJSON *req = cJSON_CreateObject(), *a, *item;
	size_t i;

	if (!req)
		return NULL;
	if (!(a = cJSON_AddArrayToObject(req, "compare")))
		goto fail;
	for (i = 0; i < n_cmp; i++)
		if (!(item = compare_json(&cmp[i])) || !cJSON_AddItemToArray(a, item))
			goto fail_item;
	if (!(a = cJSON_AddArrayToObject(req, "success")))
		goto fail;
	for (i = 0; i < n_success; i++)
		if (!(item = op_json(&success[i])) || !cJSON_AddItemToArray(a, item))
			goto fail_item;
	if (!(a = cJSON_AddArrayToObject(req, "failure")))
		goto fail;
	for (i = 0; i < n_failure; i++)
		if (!(item = op_json(&failure[i])) || !cJSON_AddItemToArray(a, item))
			goto fail_item;
	return req;
fail_item:
	cJSON_Delete(item);
fail:
	cJSON_Delete(req);
	return NULL;
}

void etcd_txn_result_free(struct etcd_txn_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_ranges; i++)
		etcd_kvs_free(&r->ranges[i]);
	free(r->ranges);
	*r = (struct etcd_txn_result){ 0 };
}

/* The "responses" of the branch that ran: range results in order, and
 * the count of deleted keys. */
static int decode_txn(const cJSON *reply, struct etcd_txn_result *out,
		      struct lf_error *err)
{
	const cJSON *resps = cJSON_GetObjectItemCaseSensitive(reply, "responses");
	const cJSON *r, *f;
	int rc;

	out->succeeded = json_true(reply, "succeeded");
	out->revision = header_revision(reply);
	if (!resps)
		return 0;
	if (!cJSON_IsArray(resps))
		return lf_error_set(err, EIO, "etcd: txn \"responses\" is not an array");
	out->ranges = calloc((size_t)cJSON_GetArraySize(resps) + 1, sizeof(*out->ranges));
	if (!out->ranges)
		return lf_error_set(err, ENOMEM, "etcd: out of memory");
	cJSON_ArrayForEach(r, resps) {
		if ((f = cJSON_GetObjectItemCaseSensitive(r, "response_delete_range")))
			out->deleted += json_ll(f, "deleted");
		f = cJSON_GetObjectItemCaseSensitive(r, "response_range");
		if (!f)
			continue;
		rc = decode_kvs(f, &out->ranges[out->n_ranges], err);
		if (rc)
			return rc;
		out->ranges[out->n_ranges].revision = out->revision;
		out->n_ranges++;
	}
	return 0;
}

int etcd_txn(struct etcd *c, const struct etcd_cmp *cmp, size_t n_cmp,
	     const struct etcd_op *success, size_t n_success,
	     const struct etcd_op *failure, size_t n_failure,
	     struct etcd_txn_result *out, struct lf_error *err)
{
	cJSON *req, *reply = NULL;
	int rc;

	*out = (struct etcd_txn_result){ 0 };
	req = txn_request(cmp, n_cmp, success, n_success, failure, n_failure);
	if (!req)
		return lf_error_set(err, ENOMEM, "etcd: out of memory");
	rc = call(c, "/v3/kv/txn", req, &reply, err);
	if (!rc)
		rc = decode_txn(reply, out, err);
	if (rc)
		etcd_txn_result_free(out);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}

/* --- leases --- */

static int lease_call(struct etcd *c, const char *path, const char *field,
		      long long v, cJSON **reply, struct lf_error *err)
{
	cJSON *req = cJSON_CreateObject();
	int rc;

	*reply = NULL;
	if (!req || !add_ll(req, field, v)) {
		cJSON_Delete(req);
		return lf_error_set(err, ENOMEM, "etcd: out of memory");
	}
	rc = call(c, path, req, reply, err);
	cJSON_Delete(req);
	return rc;
}

int etcd_lease_grant(struct etcd *c, long long ttl, long long *id,
		     long long *granted_ttl, struct lf_error *err)
{
	cJSON *reply;
	int rc;

	rc = lease_call(c, "/v3/lease/grant", "TTL", ttl, &reply, err);
	if (rc)
		return rc;
	*id = json_ll(reply, "ID");
	if (granted_ttl)
		*granted_ttl = json_ll(reply, "TTL");
	cJSON_Delete(reply);
	if (*id == 0)
		return lf_error_set(err, EIO, "etcd: %s granted no lease",
				    c->endpoints[c->current]);
	return 0;
}

/* /v3/lease/keepalive is a stream; one request body makes it one answer
 * {"result": {...}} (or {"error": {...}}), then the end of the stream. */
int etcd_lease_keepalive(struct etcd *c, long long id, long long *ttl_left,
			 struct lf_error *err)
{
	cJSON *reply;
	const cJSON *result;
	int rc;

	rc = lease_call(c, "/v3/lease/keepalive", "ID", id, &reply, err);
	if (rc)
		return rc;
	result = cJSON_GetObjectItemCaseSensitive(reply, "result");
	*ttl_left = json_ll(result, "TTL");
	cJSON_Delete(reply);
	if (*ttl_left <= 0)
		return lf_error_set(err, ENOENT, "etcd: lease %lld has expired", id);
	return 0;
}

int etcd_lease_revoke(struct etcd *c, long long id, struct lf_error *err)
{
	cJSON *reply;
	int rc;

	rc = lease_call(c, "/v3/lease/revoke", "ID", id, &reply, err);
	cJSON_Delete(reply);
	return rc;
}

/* --- watch --- */

struct watch {
	struct etcd *c;
	size_t ep;
	etcd_watch_fn fn;
	void *arg;
	long long start_revision;
	long long *compact_revision;
	struct lf_error *err;
	struct buf line;
	size_t received;	/* bytes of answer so far */
	bool created;
	bool token_invalid;	/* etcd refused the token: renew it */
	bool done;		/* rc says how the watch ends */
	int rc;
};

static void watch_end(struct watch *w, int rc)
{
	w->done = true;
	w->rc = rc;
}

/* A batch of events to fn. */
static void watch_events(struct watch *w, const cJSON *events, long long revision)
{
	size_t max = (size_t)cJSON_GetArraySize(events), n = 0, i;
	struct etcd_kv *kv = calloc(max, sizeof(*kv));
	struct etcd_event *ev = calloc(max, sizeof(*ev));
	const cJSON *e, *type;
	int rc;

	if (!kv || !ev) {
		watch_end(w, lf_error_set(w->err, ENOMEM, "etcd: out of memory"));
		goto out;
	}
	cJSON_ArrayForEach(e, events) {
		rc = decode_kv(cJSON_GetObjectItemCaseSensitive(e, "kv"), &kv[n], w->err);
		if (rc) {
			watch_end(w, rc);
			goto out;
		}
		type = cJSON_GetObjectItemCaseSensitive(e, "type");
		ev[n].type = cJSON_IsString(type) && !strcmp(type->valuestring, "DELETE")
			     ? ETCD_EVENT_DELETE : ETCD_EVENT_PUT;
		ev[n].kv = &kv[n];
		revision = kv[n].mod_revision;
		n++;
	}
	rc = w->fn(w->arg, ev, n, revision);
	if (rc)
		watch_end(w, rc);
out:
	for (i = 0; i < n; i++)
		kv_free(&kv[i]);
	free(kv);
	free(ev);
}

/* One {"result": ...} line of the stream. */
static void watch_line(struct watch *w, const char *text, size_t len)
{
	cJSON *doc = cJSON_ParseWithLength(text, len);
	const cJSON *res, *events;
	const char *msg;
	long long revision;
	int rc;

	if (!cJSON_IsObject(doc)) {
		watch_end(w, lf_error_set(w->err, EIO, "etcd: %s/v3/watch: a line is not JSON",
					  w->c->endpoints[w->ep]));
		goto out;
	}
	if ((msg = etcd_error(doc))) {
		w->token_invalid = classify(msg) == FAIL_TOKEN;
		rc = failure_errno[classify(msg)];
		watch_end(w, lf_error_set(w->err, rc, "etcd: %s/v3/watch: %s",
					  w->c->endpoints[w->ep], msg));
		goto out;
	}
	res = cJSON_GetObjectItemCaseSensitive(doc, "result");
	if (!cJSON_IsObject(res)) {
		watch_end(w, lf_error_set(w->err, EIO, "etcd: %s/v3/watch: a line has no \"result\"",
					  w->c->endpoints[w->ep]));
		goto out;
	}
	revision = header_revision(res);
	if (json_true(res, "canceled")) {
		revision = json_ll(res, "compact_revision");
		if (revision > 0) {
			if (w->compact_revision)
				*w->compact_revision = revision;
			watch_end(w, lf_error_set(w->err, ESTALE,
						  "etcd: watch from revision %lld: compacted up to %lld",
						  w->start_revision, revision));
		} else {
			msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "cancel_reason"));
			if (!msg)
				msg = "no reason given";
			w->token_invalid = classify(msg) == FAIL_TOKEN;
			watch_end(w, lf_error_set(w->err, failure_errno[classify(msg)],
						  "etcd: %s canceled the watch: %s",
						  w->c->endpoints[w->ep], msg));
		}
		goto out;
	}
	if (json_true(res, "created")) {
		w->created = true;
		/* History from start_revision on is still to come. */
		if (w->start_revision > 0 && w->start_revision - 1 < revision)
			revision = w->start_revision - 1;
	}
	events = cJSON_GetObjectItemCaseSensitive(res, "events");
	if (cJSON_IsArray(events) && cJSON_GetArraySize(events) > 0) {
		watch_events(w, events, revision);
		goto out;
	}
	rc = w->fn(w->arg, NULL, 0, revision);
	if (rc)
		watch_end(w, rc);
out:
	cJSON_Delete(doc);
}

static size_t watch_write(char *p, size_t size, size_t n, void *arg)
{
	struct watch *w = arg;
	char *nl;
	size_t len;

	w->received += size * n;
	if (!buf_add(&w->line, p, size * n)) {
		watch_end(w, lf_error_set(w->err, w->line.too_big ? EIO : ENOMEM,
					  "etcd: a watch answer line is %s",
					  w->line.too_big ? "too long" : "out of memory"));
		return 0;
	}
	while (!w->done && (nl = memchr(w->line.data, '\n', w->line.len))) {
		len = (size_t)(nl - w->line.data);
		watch_line(w, w->line.data, len);
		memmove(w->line.data, nl + 1, w->line.len - len - 1);
		w->line.len -= len + 1;
		w->line.data[w->line.len] = '\0';
	}
	return w->done ? 0 : size * n;
}

/* Run the transfer c->curl is set up for until it ends, the watch ends,
 * *stop, or (before etcd has confirmed the watch) the request deadline.
 * CURLE_OK when it ended by itself. */
static CURLcode watch_run(struct watch *w, const volatile bool *stop,
			  bool *stopped, bool *late)
{
	CURLM *m = curl_multi_init();
	long long deadline = clock_now_ms() + w->c->request_timeout_ms;
	CURLcode rc = CURLE_OUT_OF_MEMORY;
	CURLMsg *msg;
	int running = 1, left;

	if (!m)
		return rc;
	if (curl_multi_add_handle(m, w->c->curl) != CURLM_OK)
		goto out;
	while (running) {
		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		if (!running || w->done)
			break;
		if (stop && *stop) {
			*stopped = true;
			break;
		}
		if (!w->received && clock_now_ms() > deadline) {
			*late = true;
			break;
		}
		if (curl_multi_poll(m, NULL, 0, WATCH_POLL_MS, NULL) != CURLM_OK)
			break;
	}
	rc = CURLE_OK;
	while ((msg = curl_multi_info_read(m, &left)))
		if (msg->msg == CURLMSG_DONE)
			rc = msg->data.result;
	curl_multi_remove_handle(m, w->c->curl);
out:
	curl_multi_cleanup(m);
	return rc;
}

/* One attempt at the watch on endpoint w->ep: the watch's end, or (with
 * *unreached set) the reason it could not be reached added to tried. */
static int watch_on(struct watch *w, const char *body, struct curl_slist *headers,
		    const volatile bool *stop, bool *unreached, char *tried,
		    size_t tried_size)
{
	char errbuf[CURL_ERROR_SIZE];
	const char *ep = w->c->endpoints[w->ep];
	bool stopped = false, late = false;
	CURLcode rc;

	buf_free(&w->line);
	w->received = 0;
	if (setup(w->c, w->ep, "/v3/watch", body, headers, errbuf, watch_write, w, 0))
		return lf_error_set(w->err, ENOMEM, "etcd: cannot set up a watch on %s", ep);
	rc = watch_run(w, stop, &stopped, &late);
	if (w->done)
		return w->rc;
	if (stopped)
		return lf_error_set(w->err, ECANCELED, "etcd: watch stopped");
	if (late) {
		tried_add(tried, tried_size, ep, "no answer before the deadline");
		*unreached = true;
		return -EIO;
	}
	if (bad_tls_files(rc))
		return lf_error_set(w->err, EACCES, "etcd: cannot use the TLS files: %s",
				    curl_why(rc, errbuf));
	if (rc != CURLE_OK && refused(w->c, w->ep, rc, errbuf))
		return lf_error_set(w->err, EACCES,
				    "etcd: %s refused the TLS client certificate%s (%s)",
				    ep, w->c->cert ? "" : " (none configured)",
				    curl_why(rc, errbuf));
	if (rc != CURLE_OK && !w->received) {
		tried_add(tried, tried_size, ep, curl_why(rc, errbuf));
		*unreached = true;
		return -EIO;
	}
	if (rc != CURLE_OK)
		return lf_error_set(w->err, EIO, "etcd: the watch stream from %s broke: %s",
				    ep, curl_why(rc, errbuf));
	return lf_error_set(w->err, EIO, "etcd: %s ended the watch stream", ep);
}

static char *watch_body(const char *key, const char *range_end,
			long long start_revision)
{
	cJSON *req = cJSON_CreateObject(), *create;
	char *text = NULL;

	create = cJSON_AddObjectToObject(req, "create_request");
	if (create && add_b64(create, "key", key, strlen(key)) &&
	    add_range_end(create, range_end) &&
	    (!start_revision || add_ll(create, "start_revision", start_revision)))
		text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	return text;
}

/* Each endpoint in turn until one takes the watch. */
static int watch_round(struct watch *w, const char *body, const volatile bool *stop)
{
	char tried[LF_ERROR_MSG_MAX] = "";
	struct curl_slist *headers;
	bool unreached = true;
	size_t i;
	int rc = 0;

	headers = request_headers(w->c);
	if (!headers)
		return lf_error_set(w->err, ENOMEM, "etcd: out of memory");
	for (i = 0; i < w->c->n_endpoints && unreached; i++) {
		w->ep = (w->c->current + i) % w->c->n_endpoints;
		unreached = false;
		rc = watch_on(w, body, headers, stop, &unreached, tried, sizeof(tried));
	}
	curl_slist_free_all(headers);
	if (unreached)
		return lf_error_set(w->err, EIO, "etcd: no endpoint answered: %s", tried);
	if (w->created) {
		w->c->current = w->c->last_ok = w->ep;
		w->c->answered = true;
	}
	return rc;
}

int etcd_watch(struct etcd *c, const char *key, const char *range_end,
	       long long start_revision, etcd_watch_fn fn, void *arg,
	       const volatile bool *stop, long long *compact_revision,
	       struct lf_error *err)
{
	struct watch w = {
		.c = c, .fn = fn, .arg = arg, .start_revision = start_revision,
		.compact_revision = compact_revision, .err = err,
	};
	char *body;
	int rc = 0, attempt;

	body = watch_body(key, range_end, start_revision);
	if (!body)
		return lf_error_set(err, ENOMEM, "etcd: out of memory");
	for (attempt = 0; attempt < 2; attempt++) {
		if (c->user && !c->token) {
			rc = authenticate(c, err);
			if (rc)
				break;
		}
		w.done = w.token_invalid = false;
		rc = watch_round(&w, body, stop);
		if (!w.token_invalid || w.created || !c->user)
			break;
		free(c->token);
		c->token = NULL;
	}
	buf_free(&w.line);
	cJSON_free(body);
	return rc;
}
