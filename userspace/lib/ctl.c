// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the control socket (the protocol is in ctl.h).  One thread
 * polls the listening socket, up to MVM_CTL_CLIENTS connections and a
 * pipe that tells it to end; requests are carried out on that thread, one
 * at a time.  JSON is parsed and written with json-c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl.h"
#include "migrate.h"
#include "snapshot.h"

/* Requests are flat objects: nothing deeper is ever needed. */
#define JSON_DEPTH	4

struct ctl_client {
	int fd;
	char buf[MVM_CTL_LINE_MAX];
	size_t len;
};

struct mvm_ctl {
	struct mvm_machine *m;
	int listen_fd;
	int stop_pipe[2];
	pthread_t thread;
	int serving;		/* the thread runs */
	char *path;
	dev_t dev;		/* the socket we bound: only that is removed */
	ino_t ino;
	struct ctl_client clients[MVM_CTL_CLIENTS];
};

/* ---- Requests ---- */

/* A request's argument: a non-empty string, or an integer in [1, max]. */
struct ctl_arg {
	const char *name;
	json_type type;		/* json_type_string, _int or _boolean */
	int required;
	int64_t max;
};

struct ctl_req {
	struct mvm_machine *m;
	int fd;			/* the client's connection, -1: none */
};

#define CTL_DONE	1
#define CTL_REFUSED	0
#define CTL_DEFERRED	2	/* the reply is written later, on req->fd */

struct ctl_cmd {
	const char *name;
	const struct ctl_arg *args;	/* ends with a NULL name; may be NULL */
	/* Fill reply (an object with "ok" already in it): a CTL_* value. */
	int (*run)(struct ctl_req *r, json_object *req, json_object *reply);
};

static int refuse(json_object *reply, const char *why)
{
	json_object_object_add(reply, "ok", json_object_new_boolean(0));
	json_object_object_add(reply, "error", json_object_new_string(why));
	return CTL_REFUSED;
}

static int cmd_pause(struct ctl_req *r, json_object *req, json_object *reply)
{
	(void)req;
	(void)reply;
	mvm_machine_pause(r->m);
	return CTL_DONE;
}

static int cmd_resume(struct ctl_req *r, json_object *req, json_object *reply)
{
	(void)req;
	(void)reply;
	mvm_machine_resume(r->m);
	return CTL_DONE;
}

static const char *mig_state_name(enum mvm_mig_state s)
{
	switch (s) {
	case MVM_MIG_ACTIVE:
		return "active";
	case MVM_MIG_COMPLETED:
		return "completed";
	case MVM_MIG_CANCELLED:
		return "cancelled";
	default:
		return "failed";
	}
}

static void add_int(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

/* A migration's figures as an object (bytes, ms). */
static json_object *mig_object(const struct mvm_mig_progress *p)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "state",
			       json_object_new_string(mig_state_name(p->state)));
	json_object_object_add(o, "uri", json_object_new_string(p->uri));
	add_int(o, "round", p->round);
	add_int(o, "sent", (int64_t)p->sent);
	add_int(o, "left", (int64_t)p->left);
	add_int(o, "dirty_rate", (int64_t)p->dirty_rate);
	add_int(o, "expected_downtime_ms", (int64_t)p->expected_downtime_ms);
	add_int(o, "throttle_pct", p->throttle_pct);
	if (p->state == MVM_MIG_COMPLETED) {
		add_int(o, "downtime_ms", (int64_t)p->downtime_ms);
		add_int(o, "total_ms", (int64_t)p->total_ms);
	} else if (p->state != MVM_MIG_ACTIVE) {
		json_object_object_add(o, "error",
				       json_object_new_string(p->error));
	}
	return o;
}

static int cmd_status(struct ctl_req *r, json_object *req, json_object *reply)
{
	struct mvm_machine *m = r->m;
	struct mvm_mig_progress p;
	const char *state;

	(void)req;
	pthread_mutex_lock(&m->lock);
	if (mvm_machine_stopping(m))
		state = "stopping";
	else if (mvm_machine_user_paused(m))
		state = "paused";
	else
		state = "running";
	pthread_mutex_unlock(&m->lock);
	json_object_object_add(reply, "state", json_object_new_string(state));
	add_int(reply, "vcpus", m->nr_vcpus);
	add_int(reply, "memory", (int64_t)m->ram_size);
	if (mvm_migrate_progress(m, &p))
		json_object_object_add(reply, "migration", mig_object(&p));
	return CTL_DONE;
}

static int migrating(struct mvm_machine *m)
{
	struct mvm_mig_progress p;

	return mvm_migrate_progress(m, &p) && p.state == MVM_MIG_ACTIVE;
}

/*
 * The whole machine into a new directory; a running machine is paused for
 * it and goes on afterwards, a paused one stays paused.
 */
static int cmd_snapshot(struct ctl_req *rq, json_object *req,
			json_object *reply)
{
	struct mvm_machine *m = rq->m;
	json_object *path;
	int was_paused, r, err;

	if (migrating(m))
		return refuse(reply, "snapshot: a migration is running");
	json_object_object_get_ex(req, "path", &path);
	pthread_mutex_lock(&m->lock);
	was_paused = mvm_machine_user_paused(m);
	pthread_mutex_unlock(&m->lock);
	if (!was_paused)
		mvm_machine_pause(m);
	r = mvm_snapshot_save(m, json_object_get_string(path));
	err = errno;
	if (!was_paused)
		mvm_machine_resume(m);
	if (r < 0) {
		char why[128];

		snprintf(why, sizeof(why), "snapshot: %s", strerror(err));
		return refuse(reply, why);
	}
	return CTL_DONE;
}

/* The migration's end, on its thread: the deferred reply to migrate. */
static void migrate_done(const struct mvm_mig_progress *p, void *arg)
{
	int fd = (int)(intptr_t)arg;
	json_object *r = json_object_new_object();
	const char *line;

	if (r) {
		json_object_object_add(r, "ok", json_object_new_boolean(
				       p->state == MVM_MIG_COMPLETED));
		if (p->state != MVM_MIG_COMPLETED)
			json_object_object_add(r, "error",
					       json_object_new_string(p->error));
		json_object_object_add(r, "migration", mig_object(p));
		line = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
		/* Blocking: the client waits for it; a gone one gets EPIPE. */
		if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0 ||
		    send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
			/* Nobody to tell. */
		}
		json_object_put(r);
	}
	close(fd);
}

static int get_int(json_object *req, const char *key, int64_t *v)
{
	json_object *o;

	if (!json_object_object_get_ex(req, key, &o))
		return 0;
	*v = json_object_get_int64(o);
	return 1;
}

/*
 * Start a migration.  Its reply comes when it ends, on this connection
 * (the client asks status on another meanwhile); with "detach" at once.
 */
static int cmd_migrate(struct ctl_req *rq, json_object *req,
		       json_object *reply)
{
	struct mvm_migrate_opts o = { 0 };
	json_object *uri, *detach;
	int64_t v;
	int fd = -1, defer;
	char why[160];

	json_object_object_get_ex(req, "uri", &uri);
	if (get_int(req, "downtime_ms", &v))
		o.downtime_ms = (unsigned int)v;
	if (get_int(req, "max_bandwidth", &v))
		o.max_bandwidth = (uint64_t)v * 1000000;
	if (get_int(req, "timeout", &v))
		o.timeout_s = (unsigned int)v;
	defer = rq->fd >= 0 &&
		!(json_object_object_get_ex(req, "detach", &detach) &&
		  json_object_get_boolean(detach));
	if (defer) {
		/* Its own descriptor: the connection may be dropped meanwhile. */
		fd = fcntl(rq->fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return refuse(reply, "migrate: out of descriptors");
		/* The server's socket is non-blocking; this reply may wait. */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	}
	if (mvm_migrate_start(rq->m, json_object_get_string(uri), &o,
			      defer ? migrate_done : NULL,
			      (void *)(intptr_t)fd) < 0) {
		snprintf(why, sizeof(why), "migrate: %s",
			 errno == EBUSY ? "a migration is running already, or the machine is stopping" :
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return refuse(reply, why);
	}
	if (!defer)
		json_object_object_add(reply, "state",
				       json_object_new_string("active"));
	return defer ? CTL_DEFERRED : CTL_DONE;
}

static int cmd_migrate_cancel(struct ctl_req *r, json_object *req,
			      json_object *reply)
{
	(void)req;
	if (mvm_migrate_cancel(r->m) < 0)
		return refuse(reply, "migrate-cancel: no migration is running");
	return CTL_DONE;
}

static const struct ctl_arg snapshot_args[] = {
	{ "path", json_type_string, 1, 0 },
	{ NULL, json_type_null, 0, 0 },
};

static const struct ctl_arg migrate_args[] = {
	{ "uri", json_type_string, 1, 0 },
	{ "downtime_ms", json_type_int, 0, 60000 },
	{ "max_bandwidth", json_type_int, 0, 1000000 },	/* MB/s */
	{ "timeout", json_type_int, 0, 3600 },		/* s */
	{ "detach", json_type_boolean, 0, 0 },
	{ NULL, json_type_null, 0, 0 },
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "pause", NULL, cmd_pause },
	{ "resume", NULL, cmd_resume },
	{ "status", NULL, cmd_status },
	{ "snapshot", snapshot_args, cmd_snapshot },
	{ "migrate", migrate_args, cmd_migrate },
	{ "migrate-cancel", NULL, cmd_migrate_cancel },
};

/* Is o what a takes?  A NUL inside a string would cut what the command uses. */
static int arg_fits(const struct ctl_arg *a, json_object *o)
{
	int64_t v;

	if (!json_object_is_type(o, a->type))
		return 0;
	switch (a->type) {
	case json_type_string:
		return json_object_get_string_len(o) &&
		       strlen(json_object_get_string(o)) ==
		       (size_t)json_object_get_string_len(o);
	case json_type_int:
		v = json_object_get_int64(o);
		return v >= 1 && v <= a->max;
	default:
		return 1;
	}
}

/* The request as an object with "cmd", a known name, and its arguments. */
static const struct ctl_cmd *parse(json_object *req, json_object *reply)
{
	const struct ctl_arg *a;
	json_object *cmd, *arg;
	const char *name;
	size_t i, n = 1;

	if (!json_object_is_type(req, json_type_object)) {
		refuse(reply, "a request is a JSON object");
		return NULL;
	}
	if (!json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		refuse(reply, "a request needs \"cmd\", a string");
		return NULL;
	}
	name = json_object_get_string(cmd);
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (!strcmp(name, ctl_cmds[i].name))
			break;
	if (i == sizeof(ctl_cmds) / sizeof(ctl_cmds[0])) {
		refuse(reply, "unknown command");
		return NULL;
	}
	for (a = ctl_cmds[i].args; a && a->name; a++) {
		if (!json_object_object_get_ex(req, a->name, &arg)) {
			if (!a->required)
				continue;
			refuse(reply, "a needed argument is missing or not a string");
			return NULL;
		}
		if (!arg_fits(a, arg)) {
			refuse(reply, a->type == json_type_string ?
			       "a needed argument is missing or not a string" :
			       "an argument is not of its type or out of range");
			return NULL;
		}
		n++;
	}
	/* Anything else in it is a key no command takes. */
	if ((size_t)json_object_object_length(req) != n) {
		refuse(reply, "unknown argument");
		return NULL;
	}
	return &ctl_cmds[i];
}

static int handle(struct ctl_req *rq, const char *req, size_t len,
		  char *reply, size_t cap);

int mvm_ctl_handle(struct mvm_machine *m, const char *req, size_t len,
		   char *reply, size_t cap)
{
	struct ctl_req rq = { .m = m, .fd = -1 };

	return handle(&rq, req, len, reply, cap);
}

/* As mvm_ctl_handle(); CTL_DEFERRED: no reply now (reply is empty). */
static int handle(struct ctl_req *rq, const char *req, size_t len,
		  char *reply, size_t cap)
{
	json_object *r = json_object_new_object(), *in = NULL;
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	const struct ctl_cmd *cmd;
	int done = 0;

	if (!r || !tok) {
		snprintf(reply, cap, "{\"ok\": false, \"error\": \"out of memory\"}");
		goto out;
	}
	if (len > MVM_CTL_LINE_MAX || memchr(req, '\0', len)) {
		refuse(r, "not a JSON object");
		goto reply;
	}
	in = json_tokener_parse_ex(tok, req, (int)len);
	/* One whole value, nothing after it but blanks. */
	if (!in || json_tokener_get_error(tok) != json_tokener_success ||
	    strspn(req + json_tokener_get_parse_end(tok), " \t\r") !=
	    len - json_tokener_get_parse_end(tok)) {
		refuse(r, "not a JSON object");
		goto reply;
	}
	cmd = parse(in, r);
	if (cmd) {
		json_object_object_add(r, "ok", json_object_new_boolean(1));
		done = cmd->run(rq, in, r);	/* a refusal sets "ok" false */
		if (done == CTL_DEFERRED) {
			reply[0] = '\0';
			goto out;
		}
	}
reply:
	snprintf(reply, cap, "%s",
		 json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
out:
	json_object_put(in);
	json_object_put(r);
	if (tok)
		json_tokener_free(tok);
	return done;
}

/* ---- The socket ---- */

static int reply_line(int fd, const char *reply)
{
	size_t n = strlen(reply);
	char line[MVM_CTL_LINE_MAX + 2];

	memcpy(line, reply, n);
	line[n++] = '\n';
	/*
	 * A client that does not read its replies is dropped: never block,
	 * and never leave half a line for the next reply to run into.
	 */
	return send(fd, line, n, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)n ?
	       0 : -1;
}

static void drop(struct ctl_client *cl)
{
	close(cl->fd);
	cl->fd = -1;
	cl->len = 0;
}

/* Carry out every whole line read; 0, or -1 to end the connection. */
static int serve(struct mvm_ctl *c, struct ctl_client *cl)
{
	char reply[MVM_CTL_LINE_MAX];
	ssize_t n;
	char *nl;

	n = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len,
		 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;	/* hung up: a line without its newline is dropped */
	cl->len += (size_t)n;
	while ((nl = memchr(cl->buf, '\n', cl->len))) {
		size_t line = (size_t)(nl - cl->buf);

		struct ctl_req rq = { .m = c->m, .fd = cl->fd };

		if (handle(&rq, cl->buf, line, reply, sizeof(reply)) !=
		    CTL_DEFERRED && reply_line(cl->fd, reply) < 0)
			return -1;
		memmove(cl->buf, nl + 1, cl->len - line - 1);
		cl->len -= line + 1;
	}
	if (cl->len == sizeof(cl->buf)) {
		reply_line(cl->fd, "{\"ok\":false,\"error\":\"request too long\"}");
		return -1;
	}
	return 0;
}

static void accept_client(struct mvm_ctl *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	size_t i;

	if (fd < 0)
		return;
	for (i = 0; i < MVM_CTL_CLIENTS; i++) {
		if (c->clients[i].fd < 0) {
			c->clients[i].fd = fd;
			c->clients[i].len = 0;
			return;
		}
	}
	close(fd);	/* not polled while all are taken: cannot happen */
}

static void *ctl_main(void *arg)
{
	struct mvm_ctl *c = arg;

	for (;;) {
		struct pollfd p[2 + MVM_CTL_CLIENTS];
		size_t i, nfree = 0;

		p[0] = (struct pollfd){ .fd = c->stop_pipe[0], .events = POLLIN };
		for (i = 0; i < MVM_CTL_CLIENTS; i++) {
			p[2 + i] = (struct pollfd){
				.fd = c->clients[i].fd, .events = POLLIN,
			};
			nfree += c->clients[i].fd < 0;
		}
		/* All connections taken: new ones wait in the backlog. */
		p[1] = (struct pollfd){
			.fd = nfree ? c->listen_fd : -1, .events = POLLIN,
		};
		if (poll(p, 2 + MVM_CTL_CLIENTS, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		for (i = 0; i < MVM_CTL_CLIENTS; i++)
			if (p[2 + i].revents && serve(c, &c->clients[i]) < 0)
				drop(&c->clients[i]);
		if (p[1].revents & POLLIN)
			accept_client(c);
	}
	return NULL;
}

int mvm_ctl_connect(const char *path)
{
	struct sockaddr_un a;
	int fd, err;

	if (mvm_unix_addr(path, &a) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

struct mvm_ctl *mvm_ctl_listen(struct mvm_machine *m, const char *path)
{
	struct mvm_ctl *c = calloc(1, sizeof(*c));
	struct stat st;
	size_t i;
	int err;

	if (!c)
		return NULL;
	c->m = m;
	c->stop_pipe[0] = c->stop_pipe[1] = -1;
	for (i = 0; i < MVM_CTL_CLIENTS; i++)
		c->clients[i].fd = -1;
	c->path = strdup(path);
	if (!c->path)
		goto err_free;
	c->listen_fd = mvm_unix_listen(path, 8);
	if (c->listen_fd < 0)
		goto err_free;
	if (stat(path, &st) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	if (pipe2(c->stop_pipe, O_CLOEXEC) < 0)
		goto err_listen;
	return c;

err_listen:
	err = errno;
	close(c->listen_fd);
	unlink(path);
	errno = err;
err_free:
	err = errno;
	free(c->path);
	free(c);
	errno = err;
	return NULL;
}

/*
 * The connections made before serving began (a destination's, while the
 * stream arrived): one whose client has hung up already is closed
 * unread, so what its sender gave up on (a pause, say) is not done to the
 * guest that runs now.  The others are served as any.
 */
static void drop_gone_early(struct mvm_ctl *c)
{
	size_t i = 0;

	while (i < MVM_CTL_CLIENTS) {
		struct pollfd p = { .fd = c->listen_fd, .events = POLLIN };
		int fd;

		/* Only what waits already: the socket itself blocks. */
		if (poll(&p, 1, 0) != 1)
			return;
		fd = accept4(c->listen_fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		p = (struct pollfd){ .fd = fd, .events = POLLRDHUP };
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP))) {
			close(fd);
			continue;
		}
		c->clients[i].fd = fd;
		c->clients[i++].len = 0;
	}
}

int mvm_ctl_serve(struct mvm_ctl *c)
{
	int err;

	drop_gone_early(c);
	err = mvm_thread_create_nosig(&c->thread, ctl_main, c);

	if (err) {
		errno = err;
		return -1;
	}
	c->serving = 1;
	return 0;
}

struct mvm_ctl *mvm_ctl_start(struct mvm_machine *m, const char *path)
{
	struct mvm_ctl *c = mvm_ctl_listen(m, path);
	int err;

	if (c && mvm_ctl_serve(c) < 0) {
		err = errno;
		mvm_ctl_stop(c);
		errno = err;
		return NULL;
	}
	return c;
}

void mvm_ctl_stop(struct mvm_ctl *c)
{
	struct stat st;
	size_t i;

	if (!c)
		return;
	if (c->serving) {
		if (write(c->stop_pipe[1], "x", 1) < 0) {
			/* A pipe with room: cannot fail. */
		}
		pthread_join(c->thread, NULL);
	}
	for (i = 0; i < MVM_CTL_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			close(c->clients[i].fd);
	close(c->listen_fd);
	/* Not another mvm's socket that took the path after ours went. */
	if (stat(c->path, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		unlink(c->path);
	close(c->stop_pipe[0]);
	close(c->stop_pipe[1]);
	free(c->path);
	free(c);
}
