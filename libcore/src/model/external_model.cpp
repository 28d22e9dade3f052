// External program model: fork/exec once, stream extxyz frames through pipes, poll() with a timeout.
#include "mlp/model/external_model.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>

#include "mlp/io/extxyz.hpp"
#include "mlp/util/error.hpp"

namespace mlp {

struct ExternalModel::Process {
  pid_t pid = -1;
  int in = -1, out = -1, err = -1;  // our ends: child's stdin, stdout, stderr
  std::string pending;              // stdout bytes not yet consumed
  std::string stderr_tail;
  std::string failure;              // non-empty once failed
  std::size_t frames = 0;
  double seconds = 0.0;

  ~Process() { stop(); }

  void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  /// Close the pipes, give the program a moment to exit, then kill it; returns a description of how it ended.
  std::string stop(bool kill_now = false) {
    close_fd(in);
    std::string how;
    if (pid > 0) {
      int status = 0;
      pid_t r = 0;
      for (int k = 0; k < 100 && !kill_now; ++k) {  // up to 1 s
        r = ::waitpid(pid, &status, WNOHANG);
        if (r != 0) break;
        ::usleep(10000);
      }
      if (r == 0) {
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        how = "was killed";
      } else if (r > 0 && WIFEXITED(status)) {
        how = "exited with status " + std::to_string(WEXITSTATUS(status));
      } else if (r > 0 && WIFSIGNALED(status)) {
        how = "was killed by signal " + std::to_string(WTERMSIG(status));
      }
      pid = -1;
    }
    close_fd(out);
    close_fd(err);
    return how;
  }

  void drain_stderr() {
    if (err < 0) return;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(err, buf, sizeof buf);
      if (n <= 0) break;
      stderr_tail.append(buf, static_cast<std::size_t>(n));
      if (stderr_tail.size() > 2000) stderr_tail.erase(0, stderr_tail.size() - 2000);
    }
  }

  std::string tail() const {
    std::string t = stderr_tail;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    return t.empty() ? "" : "; its stderr ends: " + t;
  }
};

namespace {

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

/// Number of bytes of a complete extxyz frame at the start of `text` (after blank lines), 0 if incomplete.
/// Throws ComputeError when the first line is not an atom count.
std::size_t complete_frame(const std::string& text) {
  std::size_t pos = 0;
  // skip blank lines
  for (;;) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) return 0;
    if (text.find_first_not_of(" \t\r", pos) < nl) break;
    pos = nl + 1;
  }
  const std::size_t nl = text.find('\n', pos);
  const std::string first = text.substr(pos, nl - pos);
  std::size_t count = 0;
  std::size_t k = first.find_first_not_of(" \t");
  if (k == std::string::npos || !std::isdigit(static_cast<unsigned char>(first[k])))
    throw ComputeError("answered '" + first.substr(0, 80) + "' where an extxyz atom count was expected");
  for (; k < first.size() && std::isdigit(static_cast<unsigned char>(first[k])); ++k)
    count = std::min<std::size_t>(count * 10 + static_cast<std::size_t>(first[k] - '0'), 100'000'000);
  std::size_t p = nl + 1;
  for (std::size_t line = 0; line < count + 1; ++line) {
    const std::size_t e = text.find('\n', p);
    if (e == std::string::npos) return 0;
    p = e + 1;
  }
  return p;
}

}  // namespace

ExternalModel::ExternalModel(std::string command, double timeout, double cutoff)
    : command_(std::move(command)), timeout_(timeout), cutoff_(cutoff), process_(std::make_unique<Process>()) {
  if (command_.find_first_not_of(" \t") == std::string::npos)
    throw InputError("empty command", "--command", 0, "command");
  if (!(timeout_ > 0)) throw InputError("timeout must be positive", "--timeout", 0, "timeout");
}

ExternalModel::~ExternalModel() = default;

std::size_t ExternalModel::frames() const { return process_->frames; }
double ExternalModel::seconds() const { return process_->seconds; }

void ExternalModel::compute(const Structure& s, const NeighborList&, const EvalRequest& request,
                            EvalResult& result) const {
  Process& p = *process_;
  const std::string who = "external program '" + command_ + "'";
  if (!p.failure.empty()) throw ComputeError(p.failure);
  auto fail = [&](const std::string& what, bool kill_now) {
    p.drain_stderr();
    const std::string how = p.stop(kill_now);
    p.failure = who + " " + what + (how.empty() ? "" : " (it " + how + ")") + p.tail();
    throw ComputeError(p.failure);
  };
  if (p.pid < 0) {  // start it
    int pin[2], pout[2], perr[2];
    if (::pipe2(pin, O_CLOEXEC) != 0 || ::pipe2(pout, O_CLOEXEC) != 0 || ::pipe2(perr, O_CLOEXEC) != 0)
      throw IoError("cannot create pipes for " + who + ": " + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0) throw IoError("cannot start " + who + ": " + std::strerror(errno));
    if (pid == 0) {
      ::setpgid(0, 0);  // its own process group, so a hung program is killed with its children
      ::dup2(pin[0], 0);
      ::dup2(pout[1], 1);
      ::dup2(perr[1], 2);
      ::execl("/bin/sh", "sh", "-c", command_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    ::close(pin[0]);
    ::close(pout[1]);
    ::close(perr[1]);
    p.pid = pid;
    p.in = pin[1];
    p.out = pout[0];
    p.err = perr[0];
    set_nonblocking(p.in);
    set_nonblocking(p.out);
    set_nonblocking(p.err);
  }

  Structure q;
  q.numbers = s.numbers;
  q.positions = s.positions;
  q.cell = s.cell;
  q.pbc = s.pbc;
  const std::string text = to_extxyz(q);
  std::size_t written = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + std::chrono::duration<double>(timeout_);

  // SIGPIPE blocked on this thread while writing: a dead reader gives EPIPE instead of killing us.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  struct Restore {
    sigset_t pipe, old;
    ~Restore() {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE)) {
        const timespec zero{0, 0};
        sigtimedwait(&pipe, nullptr, &zero);
      }
      pthread_sigmask(SIG_SETMASK, &old, nullptr);
    }
  } restore{pipe_set, old_set};

  std::size_t frame_bytes = 0;
  for (;;) {
    try {
      frame_bytes = complete_frame(p.pending);
    } catch (const ComputeError& e) {
      fail(e.message(), true);
    }
    if (frame_bytes > 0) break;
    const double left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      char msg[96];
      std::snprintf(msg, sizeof msg, "did not answer frame %zu within %g s", p.frames + 1, timeout_);
      fail(msg, true);
    }
    pollfd fds[3] = {{p.out, POLLIN, 0}, {p.err, POLLIN, 0}, {written < text.size() ? p.in : -1, POLLOUT, 0}};
    const int r = ::poll(fds, 3, static_cast<int>(std::ceil(std::min(left, 1.0) * 1000)));
    if (r < 0 && errno != EINTR) fail(std::string("poll failed: ") + std::strerror(errno), true);
    if (r <= 0) continue;
    if (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
      const ssize_t n = ::write(p.in, text.data() + written, text.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      else if (n < 0 && errno != EAGAIN && errno != EINTR) fail("stopped reading its input", false);
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) p.drain_stderr();
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      char buf[65536];
      const ssize_t n = ::read(p.out, buf, sizeof buf);
      if (n > 0) p.pending.append(buf, static_cast<std::size_t>(n));
      else if (n == 0)
        fail(p.pending.empty() ? "closed its output without answering frame " + std::to_string(p.frames + 1)
                               : "closed its output in the middle of a frame",
             false);
    }
  }
  p.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Structure a;
  try {
    std::istringstream in(p.pending.substr(0, frame_bytes));
    ExtxyzReader reader(in, "answer " + std::to_string(p.frames + 1));
    if (!reader.read(a)) throw InputError("no frame");
  } catch (const Error& e) {
    fail("printed a malformed frame: " + e.located(), true);
  }
  p.pending.erase(0, frame_bytes);
  ++p.frames;
  if (a.size() != s.size())
    fail("answered " + std::to_string(a.size()) + " atoms for a frame of " + std::to_string(s.size()), true);
  auto energy = a.info.real("energy");
  if (!energy) energy = a.info.real("MLP_energy");
  if (!energy) fail("answered a frame without energy (info key energy or MLP_energy)", true);
  result.energy += *energy;
  if (request.forces) {
    const AtomArray* f = a.arrays.reals("forces", 3);
    if (!f) f = a.arrays.reals("MLP_forces", 3);
    if (!f) fail("answered a frame without forces (R:3 column forces or MLP_forces)", true);
    for (std::size_t i = 0; i < s.size(); ++i)
      for (int d = 0; d < 3; ++d)
        result.forces(static_cast<Eigen::Index>(i), d) += f->reals[3 * i + static_cast<std::size_t>(d)];
  }
  if (request.virial && s.pbc[0] && s.pbc[1] && s.pbc[2]) {
    LabelKeys keys;
    if (!a.info.has(keys.stress)) keys.stress = "MLP_stress";
    std::optional<Mat3> stress;
    try {
      stress = reference_stress(a, keys);
    } catch (const InputError& e) {  // NaN or a wrong shape: the program's fault, not the user's input
      fail("printed a bad stress: " + e.located(), true);
    }
    if (!stress) fail("answered a periodic frame without stress (info key stress, MLP_stress or virial)", true);
    result.virial += -*stress * s.volume();
  }
  if (request.atom_energies) result.atom_energies.resize(0);  // not provided by the protocol
  result.term_energies.clear();
  result.term_energies.emplace_back("external", *energy);
}

}  // namespace mlp
