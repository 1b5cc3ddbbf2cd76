/* Ordered parallel map over input lines: one reader thread, N workers each
 * owning a jalon_workspace on the shared model, results handed back in order. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A ring of slots with sequence numbers rather than fixed chunks: a slow line
 * only holds back the output behind it, while workers keep taking new lines
 * as long as the ring has room. */
enum { SLOT_FREE, SLOT_READY, SLOT_DONE };

typedef struct slot {
  cli_item it;
  int state;
} slot;

typedef struct pipe_state {
  pthread_mutex_t mu;
  pthread_cond_t can_read; /* reader: a slot was freed */
  pthread_cond_t can_work; /* workers: a line is ready, or input ended */
  pthread_cond_t can_sink; /* sink: the next line in order is done */
  slot *slots;
  size_t n_slots;
  uint64_t produced, claimed, consumed;
  int eof, stop, read_errno;

  int fd;
  size_t max_line;
  const jalon_model *model;
  cli_work_fn work;
  void *ud;
} pipe_state;

typedef struct worker {
  pipe_state *p;
  jalon_workspace *ws;
  pthread_t tid;
} worker;

static void *reader_main(void *arg) {
  pipe_state *p = arg;
  /* Cancellation is only enabled inside read(2) (see cli_util.c), so the
   * thread can never be cancelled while it holds the mutex. */
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
  cli_reader *r = malloc(sizeof *r);
  if (!r) {
    pthread_mutex_lock(&p->mu);
    p->read_errno = ENOMEM;
    p->eof = 1;
    pthread_cond_broadcast(&p->can_work);
    pthread_cond_broadcast(&p->can_sink);
    pthread_mutex_unlock(&p->mu);
    return NULL;
  }
  cli_reader_init(r, p->fd);
  pthread_cleanup_push(free, r); /* frees the reader if cancelled in read(2) */
  uint64_t line_no = 0;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    while (!p->stop && p->produced - p->consumed >= p->n_slots)
      pthread_cond_wait(&p->can_read, &p->mu);
    if (p->stop) {
      pthread_mutex_unlock(&p->mu);
      break;
    }
    slot *s = &p->slots[p->produced % p->n_slots];
    pthread_mutex_unlock(&p->mu);

    /* The slot at `produced` is FREE and belongs to the reader alone until
     * it is published below, so it is filled without the lock. */
    int too_long = 0;
    int rc = cli_read_line(r, &s->it.line, p->max_line, &too_long);
    int err = rc < 0 ? errno : 0;

    pthread_mutex_lock(&p->mu);
    if (rc <= 0) {
      p->eof = 1;
      p->read_errno = err;
      pthread_cond_broadcast(&p->can_work);
      pthread_cond_broadcast(&p->can_sink);
      pthread_mutex_unlock(&p->mu);
      break;
    }
    s->it.line_no = ++line_no;
    s->it.too_long = too_long;
    s->it.out.len = 0;
    s->it.status = 0;
    s->it.result = NULL;
    s->state = SLOT_READY;
    p->produced++;
    pthread_cond_signal(&p->can_work);
    pthread_mutex_unlock(&p->mu);
  }
  pthread_cleanup_pop(1);
  return NULL;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  pipe_state *p = w->p;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->stop && p->claimed == p->produced && !p->eof)
      pthread_cond_wait(&p->can_work, &p->mu);
    if (p->stop || p->claimed == p->produced) break; /* stopped, or input done */
    uint64_t seq = p->claimed++;
    slot *s = &p->slots[seq % p->n_slots];
    pthread_mutex_unlock(&p->mu);

    p->work(p->ud, w->ws, &s->it);

    pthread_mutex_lock(&p->mu);
    s->state = SLOT_DONE;
    if (seq == p->consumed) pthread_cond_signal(&p->can_sink);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static void stop_all(pipe_state *p) {
  p->stop = 1;
  pthread_cond_broadcast(&p->can_read);
  pthread_cond_broadcast(&p->can_work);
  pthread_cond_broadcast(&p->can_sink);
}

int cli_map_lines(int fd, const jalon_model *m, const jalon_catalogue *cat, unsigned jobs, size_t max_line,
                  cli_work_fn work, cli_sink_fn sink, void *ud, jalon_error **err,
                  int *read_errno) {
  if (jobs < 1) jobs = 1;
  pipe_state p;
  memset(&p, 0, sizeof p);
  p.fd = fd;
  p.max_line = max_line;
  p.model = m;
  p.work = work;
  p.ud = ud;
  /* Enough slots that workers rarely wait for the in-order writer. */
  p.n_slots = (size_t)jobs * 16 < 64 ? 64 : (size_t)jobs * 16;
  p.slots = calloc(p.n_slots, sizeof *p.slots);
  worker *ws = calloc(jobs, sizeof *ws);
  if (!p.slots || !ws) {
    free(p.slots);
    free(ws);
    return JALON_ENOMEM;
  }
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.can_read, NULL);
  pthread_cond_init(&p.can_work, NULL);
  pthread_cond_init(&p.can_sink, NULL);

  int result = 0;
  unsigned started = 0;
  pthread_t reader;
  int reader_started = 0;

  /* Workspaces first: a failure here (ICU, memory) is reported before any
   * input is consumed. */
  for (unsigned i = 0; i < jobs; i++) {
    ws[i].p = &p;
    int rc = jalon_workspace_new(&ws[i].ws, m, err);
    if (rc == 0) rc = jalon_workspace_set_catalogue(ws[i].ws, cat);
    if (rc != 0) {
      result = rc;
      goto done;
    }
  }
  for (; started < jobs; started++) {
    if (pthread_create(&ws[started].tid, NULL, worker_main, &ws[started]) != 0) {
      result = JALON_ENOMEM;
      goto done;
    }
  }
  if (pthread_create(&reader, NULL, reader_main, &p) != 0) {
    result = JALON_ENOMEM;
    goto done;
  }
  reader_started = 1;

  pthread_mutex_lock(&p.mu);
  for (;;) {
    slot *s = &p.slots[p.consumed % p.n_slots];
    while (!(p.consumed < p.produced && s->state == SLOT_DONE) &&
           !(p.eof && p.consumed == p.produced))
      pthread_cond_wait(&p.can_sink, &p.mu);
    if (p.consumed == p.produced) break; /* input ended and all lines written */
    pthread_mutex_unlock(&p.mu);
    int rc = sink(ud, &s->it);
    pthread_mutex_lock(&p.mu);
    s->state = SLOT_FREE;
    p.consumed++;
    pthread_cond_signal(&p.can_read);
    if (rc != 0) {
      result = rc;
      break;
    }
  }
  if (result == 0 && p.read_errno) {
    if (read_errno) *read_errno = p.read_errno;
    result = p.read_errno == ENOMEM ? JALON_ENOMEM : JALON_EIO;
  }
  pthread_mutex_unlock(&p.mu);

done:
  pthread_mutex_lock(&p.mu);
  stop_all(&p);
  pthread_mutex_unlock(&p.mu);
  if (reader_started) {
    /* The reader may be blocked in read(2) on a terminal or a pipe that never
     * ends; after an early stop it is cancelled there (its only cancellation
     * point). After a normal end it has already returned and this is a no-op. */
    if (result != 0) pthread_cancel(reader);
    pthread_join(reader, NULL);
  }
  for (unsigned i = 0; i < started; i++) pthread_join(ws[i].tid, NULL);
  for (unsigned i = 0; i < jobs; i++) jalon_workspace_free(ws[i].ws);
  /* Results of lines that were read but never reached the sink. */
  for (size_t i = 0; i < p.n_slots; i++) {
    if (p.slots[i].state != SLOT_FREE) free(p.slots[i].it.result);
    cli_buf_free(&p.slots[i].it.line);
    cli_buf_free(&p.slots[i].it.out);
  }
  free(p.slots);
  free(ws);
  pthread_cond_destroy(&p.can_read);
  pthread_cond_destroy(&p.can_work);
  pthread_cond_destroy(&p.can_sink);
  pthread_mutex_destroy(&p.mu);
  return result;
}
