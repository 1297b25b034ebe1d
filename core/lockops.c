/* lockops.c - the lock operations: acquire, renew, release, note, clear,
 * check and list; see lockops.h.
 *
 * Every mutating operation is one store transaction whose apply step does,
 * in order: look up the entries of each named resource, work out their
 * state (policy_staleness, policy_state), ask policy_decide, and only when
 * every answer allows it edit the document.  Events are logged from the
 * commit hook, under the store lock, so the log's order is the commit
 * order.
 */
#include "lockops.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eventlog.h"
#include "names.h"
#include "project_impl.h"
#include "text.h"

/* ---- looking at entries ---- */

/* On this machine the holder process decides; on another, the lease its
 * machine keeps alive, if it recorded one. */
static enum holder_liveness holder_alive(const struct project *p,
					 const struct lock_entry *e)
{
	bool here = e->host && strcmp(e->host, identity_hostname()) == 0;

	if (here && e->pid > 0)
		return identity_holder_alive(p->alive, p->proc_root, e->pid,
					     e->start_time) ? HOLDER_ALIVE :
							      HOLDER_EXITED;
	if (!here && e->lease && store_lease_alive(p->store, e->lease) == 0)
		return HOLDER_HOST_LOST;
	return HOLDER_UNKNOWN;
}

/* The view of e (already in v->e). */
static void make_view(const struct project *p, const struct lf_config *cfg,
		      time_t now, struct lock_view *v)
{
	v->stale = policy_staleness(&v->e, now, cfg->stale_seconds,
				    holder_alive(p, &v->e));
	v->age = policy_age(&v->e, now);
	v->name_known = nameset_contains(cfg->names, v->e.resource);
}

int lockops_list(struct project *p, time_t now, struct lock_list *out,
		 struct lf_error *err)
{
	const struct lf_config *cfg;
	const struct lockdoc *doc;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->now = now;
	/* A broken .locks/config must not blind readers. */
	rc = project_config_read(p, &cfg, NULL, err);
	if (rc == 0)
		rc = store_read(p->store, &doc, err);
	if (rc < 0)
		return rc;
	out->n = lockdoc_count(doc);
	out->n_unclaimed = lockdoc_unclaimed_count(doc);
	out->v = calloc(out->n ? out->n : 1, sizeof(*out->v));
	out->unclaimed = calloc(out->n_unclaimed ? out->n_unclaimed : 1,
				sizeof(*out->unclaimed));
	if (!out->v || !out->unclaimed) {
		lock_list_free(out);
		return lf_error_set(err, ENOMEM, "out of memory");
	}
	for (i = 0; i < out->n_unclaimed; i++)
		out->unclaimed[i] = lockdoc_unclaimed(doc, i);
	for (i = 0; i < out->n; i++) {
		lockdoc_entry(doc, i, &out->v[i].e);
		out->v[i].duplicate = lockdoc_is_duplicate(doc, i);
		make_view(p, cfg, now, &out->v[i]);
	}
	return 0;
}

void lock_list_free(struct lock_list *list)
{
	free(list->v);
	free(list->unclaimed);
	list->v = NULL;
	list->unclaimed = NULL;
	list->n = 0;
	list->n_unclaimed = 0;
}

int lockops_find(struct project *p, const char *name, time_t now,
		 struct lock_view *out, struct lf_error *err)
{
	const struct lf_config *cfg;
	const struct lockdoc *doc;
	int rc;

	/* A broken .locks/config must not blind readers. */
	rc = project_config_read(p, &cfg, NULL, err);
	if (rc == 0)
		rc = store_read(p->store, &doc, err);
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	if (!lockdoc_first(doc, name, &out->e))
		return lf_error_set(err, ENOENT, "%s is not locked", name);
	make_view(p, cfg, now, out);
	return 0;
}

/* ---- requests ---- */

static int check_names(const struct lf_config *cfg, enum lock_request req,
		       const char *const *names, size_t n, struct lf_error *err)
{
	char near[NAME_MAX_LEN + 1], shown[NAME_SHOWN_SIZE];
	size_t i, j;

	if (n == 0)
		return lf_error_set(err, EINVAL, "no resource named");
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return lf_error_set(err, EINVAL,
						    "%s is named twice", names[i]);
		if (req == REQ_UNLINK) {
			if (!names[i][0])
				return lf_error_set(err, EINVAL, "empty resource name");
			continue;
		}
		if (nameset_contains(cfg->names, names[i]))
			continue;
		name_shown(names[i], shown);
		if (nameset_nearest(cfg->names, names[i], near, sizeof(near)))
			return lf_error_set(err, EINVAL,
				"\"%s\" is not a resource name of this project; did you mean %s?",
				shown, near);
		return lf_error_set(err, EINVAL,
				    "\"%s\" is not a resource name of this project",
				    shown);
	}
	return 0;
}

struct request {
	struct project *p;
	const struct holder *caller;
	enum lock_request req;
	const char *const *names;
	size_t n;
	const char *note;
	time_t now;
	unsigned stale_seconds;
	struct lock_outcome *out;
	struct event *events;
	size_t nevents;
	long long out_token;	/* the token a renewal left on the entry */
	long long expect_token;	/* > 0: act only on the acquisition with it */
	bool dry_run;		/* decide on a read, change nothing */
	int error;		/* first refusal, positive errno */
};

static int state_rank(enum lock_state s)
{
	switch (s) {
	case LOCK_OTHER_LIVE:
		return 3;
	case LOCK_OTHER_STALE:
		return 2;
	case LOCK_MINE:
		return 1;
	case LOCK_ABSENT:
		break;
	}
	return 0;
}

/* Folding the entries of one resource into its state. */
struct state_walk {
	struct request *r;
	struct lock_outcome *o;
	enum lock_state worst;
};

static int fold_entry(const struct lock_entry *e, void *arg)
{
	struct state_walk *w = arg;
	struct lock_outcome *o = w->o;
	enum stale_reason why;
	enum lock_state s;
	bool first = o->entries == 0;

	why = policy_staleness(e, w->r->now, w->r->stale_seconds,
			       holder_alive(w->r->p, e));
	s = policy_state(e, w->r->caller->instance, why);
	o->entries++;
	o->caller_has_one |= s == LOCK_MINE;
	if (!first && state_rank(s) <= state_rank(w->worst))
		return 0;
	w->worst = s;
	snprintf(o->holder, sizeof(o->holder), "%s",
		 e->instance ? e->instance : UNKNOWN_HOLDER);
	snprintf(o->since, sizeof(o->since), "%s",
		 e->ts_ok && e->timestamp ? e->timestamp : "");
	o->age = policy_age(e, w->r->now);
	o->stale = why;
	o->holder_token = e->token;
	return 0;
}

/* The state of a resource is the most restrictive state of its entries
 * (another writer may have added duplicates). */
static enum lock_state resource_state(struct request *r,
				      const struct lockdoc *doc,
				      const char *name, struct lock_outcome *o)
{
	struct state_walk w = { .r = r, .o = o, .worst = LOCK_ABSENT };

	lockdoc_each(doc, name, fold_entry, &w);
	return w.worst;
}

static struct lock_fields caller_fields(const struct request *r,
					long long token, const char *note)
{
	const struct holder *h = r->caller;

	return (struct lock_fields){
		.instance = h->instance,
		.timestamp = r->now,
		.acquired = r->now,
		.token = token,
		.pid = h->pid,
		.start_time = h->start_time,
		.host = h->host[0] ? h->host : NULL,
		.uid = (long long)h->uid,
		.note = note && note[0] ? note : NULL,
		.lease = store_machine_lease(r->p->store),
	};
}

static void add_event(struct request *r, const char *what, const char *name,
		      long long token, const struct lock_outcome *o)
{
	struct event *ev = &r->events[r->nevents++];

	*ev = (struct event){
		.time = r->now, .event = what, .resource = name,
		.instance = r->caller->instance, .token = token,
	};
	if (o && o->holder[0] && strcmp(o->holder, r->caller->instance) != 0) {
		ev->previous = o->holder;
		ev->previous_token = o->holder_token;
	}
}

/* True when renewing entry e (token and holder process kept) would write
 * exactly what is there: the same timestamp text and the same note (note
 * NULL: keep it, "": none).  `touch` asks twice in one second (create,
 * then utimens), and a commit costs a write, a rename and an fsync. */
static bool renewal_is_noop(const struct request *r,
			    const struct lock_entry *e, const char *note)
{
	char now[ISOTIME_MAX];

	if (!e->timestamp)
		return false;
	isotime_format(r->now, now);
	if (strcmp(e->timestamp, now) != 0)
		return false;
	if (!note)
		return true;
	if (!note[0])
		return !e->note;
	return e->note && strcmp(e->note, note) == 0;
}

/* A renewal by a new holder process of the same instance (an agent that
 * restarted with the same LOCKFS_INSTANCE) must record the new process,
 * or the lock would stay "holder-exited" however often it is renewed.
 * Returns 1 when the entry changed, 0 when it already said all that. */
static int renew(struct request *r, struct lockdoc *doc, const char *name,
		 const struct lock_entry *found, const char *note)
{
	struct lock_entry e = *found;
	struct lock_fields f;
	const char *lease;
	long long token;
	bool same_holder;
	int rc;

	lease = store_machine_lease(r->p->store);
	/* A lease that changed (a restarted mount daemon) is recorded anew,
	 * or the lock would read as its machine's loss. */
	same_holder = e.token > 0 &&
		      (r->caller->pid <= 0 ||
		       (e.pid == r->caller->pid &&
			e.start_time == r->caller->start_time)) &&
		      (lease ? e.lease && strcmp(e.lease, lease) == 0 : !e.lease);
	if (same_holder && renewal_is_noop(r, &e, note)) {
		r->out_token = e.token;
		return 0;
	}
	/* An entry written by hand has no token; give it one so that the
	 * holder can `lockfs check` it from now on. */
	token = e.token > 0 ? e.token : lockdoc_next_token(doc);
	if (token < 0)
		return (int)token;
	r->out_token = token;
	if (same_holder)
		rc = lockdoc_touch(doc, name, r->now);
	else {
		f = caller_fields(r, token, note ? note : e.note);
		if (e.acquired && isotime_parse(e.acquired, &f.acquired) < 0)
			f.acquired = r->now;
		rc = lockdoc_take(doc, name, &f);
	}
	if (rc == 0 && note)
		rc = lockdoc_set_note(doc, name, note[0] ? note : NULL);
	return rc < 0 ? rc : 1;
}

static int apply_take(struct request *r, struct lockdoc *doc, size_t k,
		      const char *note)
{
	struct lock_outcome *o = &r->out[k];
	const char *name = r->names[k];
	struct lock_fields f;
	struct lock_entry e;
	long long token;
	ssize_t removed;
	int rc;

	if (o->action == ACT_RENEW) {
		removed = lockdoc_drop_duplicates(doc, name, &e);
		if (removed < 0)
			return (int)removed;
		rc = renew(r, doc, name, &e, note);
		o->token = r->out_token;
		return rc < 0 ? rc : (rc > 0 || removed > 0);
	}
	token = lockdoc_next_token(doc);
	if (token < 0)
		return (int)token;
	f = caller_fields(r, token, note);
	rc = o->action == ACT_ACQUIRE ? lockdoc_append(doc, name, &f) :
					lockdoc_take(doc, name, &f);
	if (rc == 0)
		add_event(r, policy_action_name(o->action), name, token, o);
	o->token = token;
	return rc < 0 ? rc : 1;
}

/* The policy's answer for every name of r, as doc stands: r->out and
 * r->error (the first refusal). */
static void decide_all(struct request *r, const struct lockdoc *doc)
{
	struct decision d;
	size_t k;

	r->error = 0;
	for (k = 0; k < r->n; k++) {
		struct lock_outcome *o = &r->out[k];

		memset(o, 0, sizeof(*o));
		o->state = resource_state(r, doc, r->names[k], o);
		d = policy_decide(r->req, o->state, r->caller->force);
		/* Another acquisition (an override, even a later one of the
		 * same instance) holds it now: not ours to touch. */
		if (r->expect_token > 0 && o->state != LOCK_ABSENT &&
		    o->holder_token != r->expect_token)
			d = (struct decision){ .action = ACT_DENY, .error = EEXIST };
		o->action = d.action;
		o->error = d.error;
		if (d.action == ACT_DENY && !r->error)
			r->error = d.error;
		o->token = o->state == LOCK_MINE ? o->holder_token : 0;
	}
}

static int apply_request(struct lockdoc *doc, void *arg, struct lf_error *err)
{
	struct request *r = arg;
	char *note = NULL;
	size_t k;
	int rc = 0, changed = 0;

	r->nevents = 0;
	decide_all(r, doc);
	/* Taking is all or nothing; releasing goes resource by resource. */
	if (r->error && r->req != REQ_UNLINK)
		goto out;
	if (r->note) {
		note = text_one_line(r->note, NOTE_MAX_LEN);
		if (!note) {
			rc = lf_error_set(err, ENOMEM, "out of memory");
			goto out;
		}
	}
	for (k = 0; k < r->n && rc >= 0; k++) {
		struct lock_outcome *o = &r->out[k];

		if (o->action == ACT_DENY)
			continue;
		if (r->req != REQ_UNLINK) {
			rc = apply_take(r, doc, k, note);
			changed |= rc > 0;
			continue;
		}
		changed = 1;
		lockdoc_drop(doc, r->names[k]);
		add_event(r, policy_action_name(o->action), r->names[k],
			  o->state == LOCK_MINE ? o->holder_token : 0, o);
		o->token = 0;
	}
	if (rc == -E2BIG)
		rc = lf_error_set(err, ENOSPC,
				  "the store is full: it holds the most locks allowed (%d)",
				  LOCKDOC_MAX_ENTRIES);
	else if (rc < 0)
		rc = lf_error_set(err, -rc, "cannot update the store: %s",
				  strerror(-rc));
out:
	free(note);
	return rc < 0 ? rc : changed;
}

static void log_events(void *arg)
{
	struct request *r = arg;
	size_t i;

	for (i = 0; i < r->nevents; i++)
		eventlog_append(r->p->events_path, &r->events[i]);
}

static const char *state_words(const struct lock_outcome *o)
{
	return o->state == LOCK_OTHER_STALE ? "stale lock" : "lock";
}

/* One sentence for the first refusal, naming resource, holder and age. */
static int refusal(const struct request *r, struct lf_error *err)
{
	size_t k;

	for (k = 0; k < r->n; k++) {
		const struct lock_outcome *o = &r->out[k];

		if (o->action != ACT_DENY)
			continue;
		if (o->error == ENOENT)
			return lf_error_set(err, ENOENT, "%s is not locked",
					    r->names[k]);
		if (o->state == LOCK_MINE)
			return lf_error_set(err, o->error,
					    "%s is already locked by you (%s)",
					    r->names[k], o->holder);
		return lf_error_set(err, o->error,
			"%s is held by %s since %s (%lld min ago)%s%s%s",
			r->names[k], o->holder, o->since[0] ? o->since : "an unreadable time",
			o->age / 60, o->state == LOCK_OTHER_STALE ? "; that " : "",
			o->state == LOCK_OTHER_STALE ? state_words(o) : "",
			o->state == LOCK_OTHER_STALE ? " can be overridden with force" : "");
	}
	return 0;
}

static int run_request(struct request *r, struct lf_error *err)
{
	const struct lockdoc *doc;
	const struct lf_config *cfg;
	struct lock_outcome *out = r->out;
	struct store_txn txn = {
		.apply = apply_request, .committed = log_events, .arg = r,
		.names = r->names, .n = r->n,
	};
	int rc;

	rc = project_config(r->p, &cfg, err);
	if (rc == 0)
		rc = check_names(cfg, r->req, r->names, r->n, err);
	if (rc < 0)
		return rc;
	r->stale_seconds = cfg->stale_seconds;
	if (!r->out)
		r->out = calloc(r->n, sizeof(*r->out));
	r->events = calloc(r->n, sizeof(*r->events));
	if (!r->out || !r->events) {
		rc = lf_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (r->dry_run) {
		rc = store_read(r->p->store, &doc, err);
		if (rc == 0)
			decide_all(r, doc);
	} else {
		rc = store_transact(r->p->store, &txn, err);
	}
	if (rc == 0 && r->error)
		rc = refusal(r, err);
out:
	if (r->out != out)
		free(r->out);
	free(r->events);
	return rc;
}

int lockops_request(struct project *p, const struct holder *caller,
		    enum lock_request req, const char *const *names, size_t n,
		    const char *note, time_t now, struct lock_outcome *out,
		    struct lf_error *err)
{
	struct request r = {
		.p = p, .caller = caller, .req = req, .names = names, .n = n,
		.note = note, .now = now, .out = out,
	};

	return run_request(&r, err);
}

int lockops_probe(struct project *p, const struct holder *caller,
		  enum lock_request req, const char *const *names, size_t n,
		  time_t now, struct lock_outcome *out, struct lf_error *err)
{
	struct request r = {
		.p = p, .caller = caller, .req = req, .names = names, .n = n,
		.now = now, .out = out, .dry_run = true,
	};

	return run_request(&r, err);
}

int lockops_release_token(struct project *p, const struct holder *caller,
			  const char *name, long long token, time_t now,
			  struct lock_outcome *out, struct lf_error *err)
{
	const char *names[] = { name };
	struct request r = {
		.p = p, .caller = caller, .req = REQ_UNLINK, .names = names,
		.n = 1, .now = now, .out = out, .expect_token = token,
	};

	if (token <= 0)
		return lf_error_set(err, EINVAL, "a token is a positive number");
	return run_request(&r, err);
}

/* ---- notes, clear, check ---- */

struct note_txn {
	struct request r;
	const char *name;
	char *note;
};

static int apply_note(struct lockdoc *doc, void *arg, struct lf_error *err)
{
	struct note_txn *t = arg;
	struct lock_outcome o = { 0 };
	enum lock_state s;

	s = resource_state(&t->r, doc, t->name, &o);
	if (s == LOCK_ABSENT)
		return lf_error_set(err, ENOENT, "%s is not locked", t->name);
	if (s != LOCK_MINE)
		return lf_error_set(err, EEXIST, "%s is held by %s", t->name,
				    o.holder);
	if (lockdoc_set_note(doc, t->name, t->note[0] ? t->note : NULL) < 0)
		return lf_error_set(err, ENOMEM, "out of memory");
	return 1;
}

int lockops_set_note(struct project *p, const struct holder *caller,
		     const char *name, const char *note, time_t now,
		     struct lf_error *err)
{
	const struct lf_config *cfg;
	struct note_txn t = {
		.r = { .p = p, .caller = caller, .now = now },
		.name = name,
	};
	struct store_txn txn = {
		.apply = apply_note, .arg = &t, .names = &t.name, .n = 1,
	};
	int rc;

	rc = project_config(p, &cfg, err);
	if (rc < 0)
		return rc;
	t.r.stale_seconds = cfg->stale_seconds;
	t.note = text_one_line(note, NOTE_MAX_LEN);
	if (!t.note)
		return lf_error_set(err, ENOMEM, "out of memory");
	rc = store_transact(p->store, &txn, err);
	free(t.note);
	return rc;
}

struct clear_txn {
	struct project *p;
	const struct holder *caller;
	bool stale_only;
	time_t now;
	unsigned stale_seconds;
	size_t cleared;
};

static bool clears(const struct lock_entry *e, void *arg)
{
	struct clear_txn *t = arg;

	return !t->stale_only ||
	       policy_staleness(e, t->now, t->stale_seconds,
				holder_alive(t->p, e)) != STALE_NONE;
}

static int apply_clear(struct lockdoc *doc, void *arg, struct lf_error *err)
{
	struct clear_txn *t = arg;

	(void)err;	/* removing entries cannot fail */
	t->cleared = lockdoc_drop_if(doc, clears, t);
	return t->cleared > 0;
}

static void log_clear(void *arg)
{
	struct clear_txn *t = arg;
	struct event ev = {
		.time = t->now,
		.event = t->stale_only ? "clear-stale" : "clear",
		.instance = t->caller->instance,
		.count = (long long)t->cleared,
	};

	eventlog_append(t->p->events_path, &ev);
}

int lockops_clear(struct project *p, const struct holder *caller,
		  bool stale_only, time_t now, size_t *cleared,
		  struct lf_error *err)
{
	const struct lf_config *cfg;
	struct clear_txn t = {
		.p = p, .caller = caller, .stale_only = stale_only, .now = now,
	};
	struct store_txn txn = {
		.apply = apply_clear, .committed = log_clear, .arg = &t,
	};
	int rc;

	rc = project_config(p, &cfg, err);
	if (rc < 0)
		return rc;
	t.stale_seconds = cfg->stale_seconds;
	rc = store_transact(p->store, &txn, err);
	if (cleared)
		*cleared = rc == 0 ? t.cleared : 0;
	return rc;
}

int lockops_check(struct project *p, const char *instance, const char *name,
		  long long token, time_t now, struct lock_view *out,
		  struct lf_error *err)
{
	struct lock_view v;
	int rc;

	rc = lockops_find(p, name, now, &v, err);
	if (rc < 0)
		return rc;
	if (out)
		*out = v;
	if (v.e.token != token)
		return lf_error_set(err, EEXIST,
				    "%s is now held by %s with token %lld, not %lld",
				    name, v.e.instance ? v.e.instance : UNKNOWN_HOLDER,
				    v.e.token, token);
	if (!v.e.instance || strcmp(v.e.instance, instance) != 0)
		return lf_error_set(err, EEXIST,
				    "%s token %lld is held by %s, not by you (%s)",
				    name, token,
				    v.e.instance ? v.e.instance : UNKNOWN_HOLDER,
				    instance);
	if (v.stale != STALE_NONE)
		return lf_error_set(err, ESTALE,
				    "%s (token %lld) is still yours but stale (%s): renew it",
				    name, token, policy_stale_reason_name(v.stale));
	return 0;
}
