// bench_peer: Jalon against a well-configured Xapian BM25 peer, in one process, on
// labelled job offers (JSONL {"id","title","text","rome"}): accuracy, speed, memory.
//
// The peer is what ROME-NOTES.md calls a careful classic baseline: one document per
// ROME fiche (title and appellations at wdf x3, competence and savoir labels x1),
// Snowball French stems, BM25, French stopwords, elisions, "/" and "-" split, and "H/F",
// "(e)", "·e" markers stripped from both index and queries. A second peer row queries
// with the title alone (ROME-NOTES.md: BM25 does better on titles than on whole offers).
// Timed passes interleave the systems so that load from elsewhere hits them alike.
// It prints figures; it never passes or fails on them.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <dirent.h>
#include <sys/resource.h>

#include <cJSON.h>
#include <xapian.h>

#include "jalon/jalon.h"
extern "C" {
// Internal C header without its own extern "C" block: the lead's CSV reader.
#include "model/csv.h"
}

#ifndef BENCH_ROME_DIR
#define BENCH_ROME_DIR ""
#endif

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

// Nearest-rank percentile, p in (0,100].
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > v.size()) rank = v.size();
  return v[rank - 1];
}

// A "VmRSS:" or "VmHWM:" line of /proc/self/status, in KiB; 0 where /proc is missing.
long proc_status_kib(const char *key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(key);
  while (std::getline(f, line))
    if (line.compare(0, n, key) == 0) return std::strtol(line.c_str() + n, nullptr, 10);
  return 0;
}
long rss_now_kib() { return proc_status_kib("VmRSS:"); }

[[noreturn]] void die(const std::string &msg) {
  std::fprintf(stderr, "bench_peer: %s\n", msg.c_str());
  std::exit(2);
}

std::string jalon_err_text(int rc, jalon_error *err) {
  std::string s = err ? jalon_error_message(err) : jalon_strerror(rc);
  jalon_error_free(err);
  return s;
}

// ---------------------------------------------------------------- ROME data

struct Fiche {
  std::string code, parent, title;
  std::vector<std::string> appellations;
  std::vector<std::string> skills;  // competence / savoir labels (bloc 5)
};

struct Rome {
  std::vector<Fiche> fiches;
  std::unordered_map<std::string, size_t> by_code;

  // Parent fiche of a code; codes outside this release are their own parent.
  std::string parent_of(const std::string &code) const {
    auto it = by_code.find(code);
    return it == by_code.end() ? code : fiches[it->second].parent;
  }
};

// Reads one ROME CSV with the project's reader, handing each record's wanted columns
// (looked up by header name) to fn.
template <typename Fn>
void read_csv(const std::string &path, const std::vector<const char *> &columns, Fn fn) {
  jm_csv *csv = nullptr;
  jalon_error *err = nullptr;
  int rc = jm_csv_open(&csv, path.c_str(), ',', &err);
  if (rc < 0) die(jalon_err_text(rc, err));
  size_t n = 0, line = 0;
  char **f = nullptr;
  std::vector<size_t> idx;
  std::vector<const char *> row(columns.size());
  bool header = true;
  while ((rc = jm_csv_next(csv, &n, &f, &line, &err)) > 0) {
    if (header) {
      for (const char *c : columns) {
        size_t k = 0;
        while (k < n && std::strcmp(f[k], c) != 0) k++;
        if (k == n) die(path + ": no column " + c);
        idx.push_back(k);
      }
      header = false;
      continue;
    }
    bool short_row = false;
    for (size_t k = 0; k < idx.size(); k++) {
      if (idx[k] >= n) short_row = true;
      row[k] = idx[k] < n ? f[idx[k]] : "";
    }
    if (short_row) die(path + ":" + std::to_string(line) + ": short record");
    fn(row);
  }
  if (rc < 0) die(jalon_err_text(rc, err));
  jm_csv_close(csv);
}

// The release's files are named unix_<table>_v<NNN>_utf8.csv; find the one for a table
// whatever the version, so the peer follows the model to a newer release.
std::string rome_file(const std::string &dir, const char *table) {
  const std::string prefix = std::string("unix_") + table + "_v", suffix = "_utf8.csv";
  DIR *d = opendir(dir.c_str());
  if (!d) die("cannot open ROME folder " + dir + ": " + std::strerror(errno));
  std::string found;
  while (struct dirent *e = readdir(d)) {
    std::string name = e->d_name;
    if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    // The middle must be the bare version digits: unix_item_v460 is not unix_item_..._v460.
    std::string mid = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (mid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (name > found) found = name;  // several releases side by side: the newest
  }
  closedir(d);
  if (found.empty()) die(dir + ": no unix_" + table + "_v*_utf8.csv");
  return dir + "/" + found;
}

Rome load_rome(const std::string &dir) {
  Rome r;
  auto file = [&](const char *name) { return rome_file(dir, name); };

  read_csv(file("referentiel_code_rome"), {"code_rome", "code_rome_parent", "libelle_rome"},
           [&](const std::vector<const char *> &v) {
             r.by_code.emplace(v[0], r.fiches.size());
             r.fiches.push_back(Fiche{v[0], *v[1] ? v[1] : v[0], v[2], {}, {}});
           });
  read_csv(file("referentiel_appellation"), {"code_rome", "libelle_appellation_long"},
           [&](const std::vector<const char *> &v) {
             auto it = r.by_code.find(v[0]);
             if (it != r.by_code.end()) r.fiches[it->second].appellations.emplace_back(v[1]);
           });
  std::unordered_map<std::string, std::string> items;
  read_csv(file("item"), {"code_ogr", "libelle"},
           [&](const std::vector<const char *> &v) { items.emplace(v[0], v[1]); });
  std::unordered_set<std::string> seen;  // a fiche lists an item once
  read_csv(file("liens_rome_referentiels"), {"code_rome", "code_compo_bloc", "code_ogr"},
           [&](const std::vector<const char *> &v) {
             if (std::strcmp(v[1], "5") != 0) return;
             auto fi = r.by_code.find(v[0]);
             auto it = items.find(v[2]);
             if (fi == r.by_code.end() || it == items.end()) return;
             if (!seen.insert(std::string(v[0]) + '\t' + v[2]).second) return;
             r.fiches[fi->second].skills.push_back(it->second);
           });
  if (r.fiches.empty()) die(dir + ": no ROME fiche read");
  return r;
}

// ---------------------------------------------------------------- the Xapian peer

bool word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}
bool lower_byte(unsigned char c) { return (c >= 'a' && c <= 'z') || c >= 0x80; }
bool is_h_or_f(char c) { return c == 'h' || c == 'H' || c == 'f' || c == 'F'; }

// The fair configuration the peer gets: Xapian keeps "l'entreprise" as one term and
// turns "développeur/euse" into a phrase, and the gender markers "H/F", "(e)", "·e"
// leave lone letters that match stray tokens (ROME-NOTES.md). Byte-level, UTF-8 safe:
// only ASCII bytes and whole multi-byte sequences are replaced. Applied to the indexed
// labels and to the queries alike.
std::string peer_clean(const std::string &s) {
  std::string o;
  o.reserve(s.size() + 8);
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    // Apostrophes: ' ` ’ (E2 80 99) ʼ (CA BC) split elisions.
    if (c == '\'' || c == '`') { o += ' '; i++; continue; }
    if (c == 0xE2 && i + 2 < n && s[i + 1] == '\x80' && s[i + 2] == '\x99') { o += ' '; i += 3; continue; }
    if (c == 0xCA && i + 1 < n && s[i + 1] == '\xBC') { o += ' '; i += 2; continue; }
    // Middle dot: "salarié·e", "animateur·rice·s" lose the suffix.
    if (c == 0xC2 && i + 1 < n && s[i + 1] == '\xB7') {
      size_t j = i + 2;
      while (j < n && lower_byte(static_cast<unsigned char>(s[j])) && j - i < 12) j++;
      i = (j < n && word_byte(static_cast<unsigned char>(s[j]))) ? i + 2 : j;
      o += ' ';
      continue;
    }
    // "(e)", "(es)", "(se)", "(ère)" glued to a word.
    if (c == '(' && !o.empty() && word_byte(static_cast<unsigned char>(o.back()))) {
      size_t j = i + 1;
      while (j < n && lower_byte(static_cast<unsigned char>(s[j])) && j - i <= 8) j++;
      if (j > i + 1 && j < n && s[j] == ')') { i = j + 1; continue; }
    }
    // "H/F", "F/H", "h-f", "H / F" standing as a word.
    if (is_h_or_f(s[i]) && (i == 0 || !word_byte(static_cast<unsigned char>(s[i - 1])))) {
      size_t j = i + 1;
      while (j < n && s[j] == ' ') j++;
      if (j < n && (s[j] == '/' || s[j] == '-' || s[j] == '|')) {
        j++;
        while (j < n && s[j] == ' ') j++;
        if (j < n && is_h_or_f(s[j]) && (s[j] | 0x20) != (s[i] | 0x20) &&
            (j + 1 == n || !word_byte(static_cast<unsigned char>(s[j + 1])))) {
          o += ' ';
          i = j + 1;
          continue;
        }
      }
    }
    // "/" would make Xapian build a phrase of "développeur/euse", "-" of "aide-soignant":
    // a phrase misses "aides-soignants" entirely, separate stemmed words do not.
    if (c == '/' || c == '-') { o += ' '; i++; continue; }
    o += s[i++];
  }
  return o;
}

// French function words; BM25's idf would mostly neutralise them, but they cost the
// peer time on every posting list. Single letters left by split elisions and gender
// markers go too.
const char *const kStopwords[] = {
    "a", "à", "au", "aux", "avec", "c", "ce", "ces", "cet", "cette", "d", "dans", "de", "des",
    "du", "elle", "elles", "en", "est", "et", "être", "f", "h", "il", "ils", "j", "je", "l",
    "la", "le", "les", "leur", "leurs", "lui", "m", "ma", "mais", "me", "mes", "mon", "n",
    "ne", "nos", "notre", "nous", "on", "ont", "ou", "où", "par", "pas", "pour", "qu", "que",
    "qui", "s", "sa", "se", "ses", "son", "sont", "sur", "t", "ta", "te", "tes", "ton", "tu",
    "un", "une", "vos", "votre", "vous", "y"};

struct Peer {
  Xapian::WritableDatabase db{std::string(), Xapian::DB_BACKEND_INMEMORY};
  Xapian::Stem stem{"french"};
  Xapian::SimpleStopper stopper{std::begin(kStopwords), std::end(kStopwords)};
  Xapian::QueryParser qp;
  Xapian::Enquire enquire{db};
  double build_ms = 0;
  size_t n_terms = 0;

  void build(const Rome &rome) {
    auto t0 = Clock::now();
    Xapian::TermGenerator tg;
    tg.set_stemmer(stem);
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    tg.set_stopper(&stopper);
    tg.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
    for (const Fiche &f : rome.fiches) {
      Xapian::Document doc;
      tg.set_document(doc);
      // Titles and appellations carry most of the signal: wdf x3. The position gap
      // keeps phrases from running across two labels.
      tg.index_text(peer_clean(f.title), 3);
      for (const std::string &a : f.appellations) {
        tg.increase_termpos(10);
        tg.index_text(peer_clean(a), 3);
      }
      for (const std::string &s : f.skills) {
        tg.increase_termpos(10);
        tg.index_text(peer_clean(s), 1);
      }
      doc.set_data(f.code);
      db.add_document(doc);  // in-memory docids run 1..n in order: docid - 1 = fiche
    }
    db.commit();
    enquire = Xapian::Enquire(db);  // BM25Weight is the default scheme
    qp.set_database(db);
    qp.set_stemmer(stem);
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_stopper(&stopper);
    qp.set_default_op(Xapian::Query::OP_OR);
    build_ms = ms_since(t0);
    for (Xapian::TermIterator t = db.allterms_begin(); t != db.allterms_end(); ++t) n_terms++;
  }
};

// ---------------------------------------------------------------- eval data

struct Case {
  std::string id, title, text, rome;
};

struct Set {
  std::string name, path;
  std::vector<Case> cases;
};

std::string json_string(const cJSON *o, const char *key, bool required, const std::string &where) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!v || cJSON_IsNull(v)) {
    if (required) die(where + ": no \"" + key + "\"");
    return std::string();
  }
  if (!cJSON_IsString(v)) die(where + ": \"" + key + "\" is not a string");
  return v->valuestring;
}

Set load_set(const std::string &path, size_t max_cases) {
  Set s;
  s.path = path;
  size_t slash = path.find_last_of('/');
  s.name = path.substr(slash == std::string::npos ? 0 : slash + 1);
  if (s.name.size() > 6 && s.name.compare(s.name.size() - 6, 6, ".jsonl") == 0)
    s.name.resize(s.name.size() - 6);
  std::ifstream f(path);
  if (!f) die("cannot open " + path + ": " + std::strerror(errno));
  std::string line;
  size_t lineno = 0;
  while (std::getline(f, line)) {
    lineno++;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = path + ":" + std::to_string(lineno);
    cJSON *o = cJSON_ParseWithLength(line.data(), line.size());
    if (!o || !cJSON_IsObject(o)) die(where + ": not a JSON object");
    Case c;
    c.id = json_string(o, "id", false, where);
    c.title = json_string(o, "title", false, where);
    c.text = json_string(o, "text", true, where);
    c.rome = json_string(o, "rome", true, where);
    cJSON_Delete(o);
    if (c.id.empty()) c.id = std::to_string(lineno);
    s.cases.push_back(std::move(c));
    if (max_cases && s.cases.size() == max_cases) break;
  }
  if (s.cases.empty()) die(path + ": no case");
  return s;
}

// ---------------------------------------------------------------- running

constexpr size_t kTop = 5;

struct Top {
  size_t n = 0;
  char code[kTop][16] = {};
};

struct Jalon {
  jalon_model *model = nullptr;
  jalon_workspace *ws = nullptr;
  size_t errors = 0;  // calls that returned an error
  std::string last_error;

  // One query as an integrator would run it: diagnose, read the ranking, free.
  Top run(const Case &c) {
    Top t;
    jalon_diagnose_options o = JALON_DIAGNOSE_OPTIONS_INIT;
    if (!c.title.empty()) {
      o.title = c.title.data();
      o.title_len = c.title.size();
    }
    o.max_jobs = kTop;
    // The peer only ranks documents: compare like with like (matching only,
    // no roles, gap or CléA profile; bench_self times the whole diagnosis).
    o.flags = JALON_DIAGNOSE_MATCH_ONLY;
    jalon_result *r = nullptr;
    jalon_error *err = nullptr;
    int rc = jalon_diagnose(&r, ws, c.text.data(), c.text.size(), &o, &err);
    if (rc < 0) {
      errors++;
      last_error = jalon_err_text(rc, err);
      return t;
    }
    size_t n = std::min(jalon_result_job_count(r), kTop);
    for (size_t i = 0; i < n; i++) {
      const char *code = jalon_result_job_code(r, i);
      if (!code) continue;
      std::snprintf(t.code[t.n++], sizeof t.code[0], "%s", code);
    }
    jalon_result_free(r);
    return t;
  }
};

struct PeerRunner {
  Peer *peer = nullptr;
  const Rome *rome = nullptr;
  bool title_only = false;  // query with the title alone (the text when there is none)
  size_t errors = 0;
  std::string last_error;

  Top run(const Case &c) {
    Top t;
    try {
      // The title typed apart is a strong signal: the peer gets it again in front of
      // the text (which starts with it), as Jalon gets it in its title option. Flags 0:
      // offers are free text, where quotes, "-" and "AND" must not become operators.
      const std::string q_text = title_only && !c.title.empty() ? c.title
                                                                : c.title + "\n" + c.text;
      Xapian::Query q = peer->qp.parse_query(peer_clean(q_text), 0);
      peer->enquire.set_query(q);
      Xapian::MSet ms = peer->enquire.get_mset(0, kTop);
      for (Xapian::MSetIterator it = ms.begin(); it != ms.end(); ++it) {
        const std::string &code = rome->fiches[*it - 1].code;
        std::snprintf(t.code[t.n++], sizeof t.code[0], "%s", code.c_str());
      }
    } catch (const Xapian::Error &e) {
      errors++;
      last_error = e.get_description();
    }
    return t;
  }
};

struct Figures {
  size_t n = 0, top1 = 0, top5 = 0, parent1 = 0, empty = 0, errors = 0;
  double qps = 0, cpu_qps = 0, lat_median_ms = 0, lat_p95_ms = 0;
  std::vector<Top> tops;  // first pass, for accuracy and --dump
};

// One system under test: a name and how it answers one case.
struct System {
  const char *name;
  std::function<Top(const Case &)> run;
  size_t *errors;
};

// CPU time of this thread: on a shared machine it moves much less than wall time.
double thread_cpu_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::vector<Figures> measure(const std::vector<System> &systems, const Set &set, const Rome &rome,
                             int passes) {
  const size_t n = set.cases.size();
  std::vector<Figures> out(systems.size());
  // Untimed first pass of each system: accuracy, and warms caches and lazy set-up.
  for (size_t k = 0; k < systems.size(); k++) {
    Figures &fg = out[k];
    fg.n = n;
    *systems[k].errors = 0;
    for (const Case &c : set.cases) {
      Top t = systems[k].run(c);
      if (t.n == 0) fg.empty++;
      if (t.n > 0 && c.rome == t.code[0]) fg.top1++;
      if (t.n > 0 && rome.parent_of(c.rome) == rome.parent_of(t.code[0])) fg.parent1++;
      for (size_t i = 0; i < t.n; i++)
        if (c.rome == t.code[i]) { fg.top5++; break; }
      fg.tops.push_back(t);
    }
    fg.errors = *systems[k].errors;
  }
  // Timed passes over all texts, single thread. The systems take turns within each pass
  // so that a burst of load from elsewhere on the machine hits them alike.
  std::vector<std::vector<double>> pass_qps(systems.size()), pass_cpu_qps(systems.size());
  std::vector<std::vector<std::vector<double>>> lat(systems.size(),
                                                    std::vector<std::vector<double>>(n));
  size_t sink = 0;  // keeps the results observable so nothing is optimised away
  for (int p = 0; p < passes; p++) {
    for (size_t k = 0; k < systems.size(); k++) {
      auto t_pass = Clock::now();
      double cpu0 = thread_cpu_ms();
      for (size_t i = 0; i < n; i++) {
        auto t0 = Clock::now();
        Top t = systems[k].run(set.cases[i]);
        lat[k][i].push_back(ms_since(t0));
        sink += t.n;
      }
      double ms = ms_since(t_pass), cpu = thread_cpu_ms() - cpu0;
      pass_qps[k].push_back(ms > 0 ? 1000.0 * static_cast<double>(n) / ms : 0.0);
      pass_cpu_qps[k].push_back(cpu > 0 ? 1000.0 * static_cast<double>(n) / cpu : 0.0);
    }
  }
  if (sink == static_cast<size_t>(-1)) std::puts("");
  for (size_t k = 0; k < systems.size(); k++) {
    std::vector<double> per_query;  // each query's median over the passes
    for (auto &v : lat[k]) per_query.push_back(median(v));
    out[k].qps = median(pass_qps[k]);
    out[k].cpu_qps = median(pass_cpu_qps[k]);
    out[k].lat_median_ms = median(per_query);
    out[k].lat_p95_ms = percentile(per_query, 95);
  }
  return out;
}

double pct(size_t k, size_t n) { return n ? 100.0 * static_cast<double>(k) / static_cast<double>(n) : 0.0; }

void print_row(const std::string &set, const char *system, const Figures &f) {
  std::printf("%-10s %5zu  %-12s %6.1f%% %6.1f%% %8.1f%%  %9.1f %9.1f %9.3f %8.3f %5zu %6zu\n",
              set.c_str(), f.n, system, pct(f.top1, f.n), pct(f.top5, f.n), pct(f.parent1, f.n),
              f.qps, f.cpu_qps, f.lat_median_ms, f.lat_p95_ms, f.empty, f.errors);
}

void usage(FILE *out) {
  std::fprintf(out,
      "usage: bench_peer --data FILE.jsonl [--data FILE.jsonl ...] [options]\n"
      "Runs every line {\"id\",\"title\",\"text\",\"rome\"} through Jalon and through a Xapian\n"
      "BM25 index of the ROME fiches, in one process, and prints accuracy, speed and memory.\n"
      "  --data FILE    labelled eval set (repeatable)\n"
      "  --model FILE   Jalon model (default: the library's lookup: $JALON_MODEL, build dir, datadir)\n"
      "  --rome DIR     ROME v460 CSV folder for the peer (default: %s)\n"
      "  --passes N     timed passes over each set, median reported (default 5)\n"
      "  --opens N      model opens timed, median reported (default 20)\n"
      "  --max N        use only the first N lines of each set (default all)\n"
      "  --dump FILE    write each case's label and both top-5 lists (TSV)\n",
      *BENCH_ROME_DIR ? BENCH_ROME_DIR : "none compiled in");
}

long parse_count(const char *opt, const char *v) {
  char *end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (!*v || *end || n < 0 || n > 1000000) die(std::string("bad value for ") + opt + ": " + v);
  return n;
}

}  // namespace

int main(int argc, char **argv) {
  std::vector<std::string> data;
  std::string model_path, rome_dir = BENCH_ROME_DIR, dump_path;
  int passes = 5, opens = 20;
  size_t max_cases = 0;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> const char * {
      if (i + 1 >= argc) die("missing value after " + a);
      return argv[++i];
    };
    if (a == "--data") data.emplace_back(value());
    else if (a == "--model") model_path = value();
    else if (a == "--rome") rome_dir = value();
    else if (a == "--dump") dump_path = value();
    else if (a == "--passes") passes = static_cast<int>(parse_count("--passes", value()));
    else if (a == "--opens") opens = static_cast<int>(parse_count("--opens", value()));
    else if (a == "--max") max_cases = static_cast<size_t>(parse_count("--max", value()));
    else if (a == "-h" || a == "--help") { usage(stdout); return 0; }
    else { usage(stderr); die("unknown argument " + a); }
  }
  if (data.empty()) { usage(stderr); die("no --data file"); }
  if (rome_dir.empty()) die("no ROME folder: pass --rome DIR");
  if (passes < 1) passes = 1;
  if (opens < 1) opens = 1;

  std::vector<Set> sets;
  for (const std::string &d : data) sets.push_back(load_set(d, max_cases));
  long rss_start = rss_now_kib();

  // (a) the peer's index, built from the same ROME release the model is compiled from.
  Rome rome = load_rome(rome_dir);
  Peer peer;
  try {
    peer.build(rome);
  } catch (const Xapian::Error &e) {
    die("Xapian: " + e.get_description());
  }
  long rss_peer = rss_now_kib();

  // (b) Jalon's model: open time as the median of repeated cold-process-style opens.
  Jalon jalon;
  const char *mp = model_path.empty() ? nullptr : model_path.c_str();
  std::vector<double> open_ms, ws_ms;
  for (int i = 0; i < opens; i++) {
    jalon_model *m = nullptr;
    jalon_error *err = nullptr;
    auto t0 = Clock::now();
    int rc = jalon_model_open(&m, mp, &err);
    open_ms.push_back(ms_since(t0));
    if (rc < 0) die("jalon_model_open: " + jalon_err_text(rc, err));
    jalon_model_free(m);
  }
  {
    jalon_error *err = nullptr;
    int rc = jalon_model_open(&jalon.model, mp, &err);
    if (rc < 0) die("jalon_model_open: " + jalon_err_text(rc, err));
    for (int i = 0; i < opens; i++) {
      jalon_workspace *w = nullptr;
      auto t0 = Clock::now();
      rc = jalon_workspace_new(&w, jalon.model, &err);
      ws_ms.push_back(ms_since(t0));
      if (rc < 0) die("jalon_workspace_new: " + jalon_err_text(rc, err));
      jalon_workspace_free(w);
    }
    rc = jalon_workspace_new(&jalon.ws, jalon.model, &err);
    if (rc < 0) die("jalon_workspace_new: " + jalon_err_text(rc, err));
  }
  long rss_jalon = rss_now_kib();

  std::printf("Jalon %s  model %s\n", jalon_version(), jalon_model_path(jalon.model));
  std::printf("  ROME %s, %zu fiches, checksum %s\n", jalon_model_rome_version(jalon.model),
              jalon_model_fiche_count(jalon.model), jalon_model_checksum(jalon.model));
  std::printf("  model open: median %.3f ms over %d opens (min %.3f, max %.3f); "
              "workspace: median %.3f ms\n",
              median(open_ms), opens, *std::min_element(open_ms.begin(), open_ms.end()),
              *std::max_element(open_ms.begin(), open_ms.end()), median(ws_ms));
  std::printf("Xapian %s peer: in-memory BM25 index of %u fiche documents from %s\n"
              "  %zu distinct terms, mean document length %.0f, built in %.0f ms\n",
              Xapian::version_string(), static_cast<unsigned>(peer.db.get_doccount()),
              rome_dir.c_str(), peer.n_terms, peer.db.get_avlength(), peer.build_ms);

  // (c) both systems on every set.
  std::printf("\n%-10s %5s  %-12s %7s %7s %9s  %9s %9s %9s %8s %5s %6s\n", "set", "n", "system",
              "top-1", "top-5", "parent@1", "q/s", "cpu q/s", "median ms", "p95 ms", "empty",
              "errors");
  std::FILE *dump = nullptr;
  if (!dump_path.empty()) {
    dump = std::fopen(dump_path.c_str(), "w");
    if (!dump) die("cannot write " + dump_path + ": " + std::strerror(errno));
    std::fprintf(dump, "set\tid\trome\tjalon_top5\txapian_top5\txapian_title_top5\n");
  }
  PeerRunner peer_runner, peer_title;
  peer_runner.peer = peer_title.peer = &peer;
  peer_runner.rome = peer_title.rome = &rome;
  peer_title.title_only = true;
  const std::vector<System> systems = {
      {"jalon", [&](const Case &c) { return jalon.run(c); }, &jalon.errors},
      {"xapian", [&](const Case &c) { return peer_runner.run(c); }, &peer_runner.errors},
      {"xapian:title", [&](const Case &c) { return peer_title.run(c); }, &peer_title.errors}};
  for (const Set &s : sets) {
    std::vector<Figures> fg = measure(systems, s, rome, passes);
    const Figures &fj = fg[0], &fx = fg[1], &ft = fg[2];
    for (size_t k = 0; k < systems.size(); k++) print_row(s.name, systems[k].name, fg[k]);
    std::printf("%-10s %5s  q/s ratio jalon/xapian (title + text): %.2fx wall, %.2fx cpu; "
                "median latency ratio %.2fx\n", "", "", fx.qps > 0 ? fj.qps / fx.qps : 0.0,
                fx.cpu_qps > 0 ? fj.cpu_qps / fx.cpu_qps : 0.0,
                fx.lat_median_ms > 0 ? fj.lat_median_ms / fx.lat_median_ms : 0.0);
    if (dump) {
      for (size_t i = 0; i < s.cases.size(); i++) {
        std::fprintf(dump, "%s\t%s\t%s\t", s.name.c_str(), s.cases[i].id.c_str(),
                     s.cases[i].rome.c_str());
        for (size_t k = 0; k < fj.tops[i].n; k++) std::fprintf(dump, "%s%s", k ? "," : "", fj.tops[i].code[k]);
        std::fputc('\t', dump);
        for (size_t k = 0; k < fx.tops[i].n; k++) std::fprintf(dump, "%s%s", k ? "," : "", fx.tops[i].code[k]);
        std::fputc('\t', dump);
        for (size_t k = 0; k < ft.tops[i].n; k++) std::fprintf(dump, "%s%s", k ? "," : "", ft.tops[i].code[k]);
        std::fputc('\n', dump);
      }
    }
  }
  if (dump) std::fclose(dump);
  // The table counts errors per set (first pass); here is what the last one said.
  if (!jalon.last_error.empty()) std::printf("jalon: last error: %s\n", jalon.last_error.c_str());
  for (const PeerRunner *p : {&peer_runner, &peer_title})
    if (!p->last_error.empty()) std::printf("xapian: last error: %s\n", p->last_error.c_str());

  // (d) memory: both systems live in this process, so the peak covers both; the
  // VmRSS steps say which one grew it.
  long rss_end = rss_now_kib();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  // Linux batches its RSS counters, so ru_maxrss can trail the VmRSS read from /proc by
  // a few hundred KiB; VmHWM (the same high-water mark, as /proc sees it) goes beside it.
  std::printf("\nmemory: peak RSS %.1f MiB (getrusage ru_maxrss, whole process; VmHWM %.1f MiB)\n",
              static_cast<double>(ru.ru_maxrss) / 1024.0,
              static_cast<double>(proc_status_kib("VmHWM:")) / 1024.0);
  std::printf("        VmRSS after loading the eval sets %.1f MiB; ROME CSV + Xapian index +%.1f MiB; "
              "Jalon model + workspace +%.1f MiB\n",
              static_cast<double>(rss_start) / 1024.0,
              static_cast<double>(rss_peer - rss_start) / 1024.0,
              static_cast<double>(rss_jalon - rss_peer) / 1024.0);
  std::printf("        VmRSS after every query ran %.1f MiB\n", static_cast<double>(rss_end) / 1024.0);
  std::printf("Jalon model open time: median %.3f ms\n", median(open_ms));

  jalon_workspace_free(jalon.ws);
  jalon_model_free(jalon.model);
  return 0;
}
