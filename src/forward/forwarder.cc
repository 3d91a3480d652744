#include "forward/forwarder.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <thread>

#include "catalog/catalog.h"
#include "core/log.h"

namespace wsync::forward {

namespace {

using nlohmann::json;

std::string Base64(const std::string& text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// What one request came back with.
struct Outcome {
  bool delivered = false;
  bool retryable = true;
  int64_t retry_after_ms = 0;  // from Retry-After (seconds), 0 when none
  std::string error;
};

Outcome Classify(const core::StatusOr<warehouse::HttpResponse>& answer) {
  Outcome o;
  if (!answer.ok()) {
    o.error = "no answer: " + answer.status().message();
    return o;
  }
  const int status = answer->status;
  if (status >= 200 && status < 300) {
    o.delivered = true;
    return o;
  }
  o.error = "the output answered HTTP " + std::to_string(status);
  o.retryable = status == 408 || status == 429 || status >= 500;
  for (const auto& [name, value] : answer->headers) {
    if (Lower(name) != "retry-after") continue;
    int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && seconds >= 0) o.retry_after_ms = seconds * 1000;
  }
  if (!o.retryable) o.error += " (not retried: a retry cannot change it)";
  return o;
}

}  // namespace

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::vector<BulkRequest> BuildRequests(const std::vector<storage::OutboxEntry>& entries,
                                       size_t max_batches, size_t max_bytes) {
  std::vector<BulkRequest> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string& body = entries[i].body;
    bool fits = !out.empty() && out.back().last - out.back().first + 1 < max_batches &&
                out.back().body.size() + 1 + body.size() + 1 <= max_bytes;
    if (!fits) {
      if (!out.empty()) out.back().body += ']';
      out.push_back({i, i, "[" + body});
    } else {
      out.back().body += ',';
      out.back().body += body;
      out.back().last = i;
    }
  }
  if (!out.empty()) out.back().body += ']';
  return out;
}

Forwarder::Forwarder(ForwarderDeps deps, ForwarderOptions options)
    : deps_(std::move(deps)), options_(options) {
  rng_ = deps_.jitter_seed != 0 ? deps_.jitter_seed
                                : static_cast<uint64_t>(deps_.clock->NowMicros()) | 1;
  if (!deps_.sleep) {
    deps_.sleep = [](std::chrono::milliseconds wait, const core::StopToken* stop) {
      const auto until = std::chrono::steady_clock::now() + wait;
      while (std::chrono::steady_clock::now() < until && !(stop && stop->cancelled())) {
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
      }
    };
  }
}

double Forwarder::Jitter() {
  // xorshift64: jitter only spreads retries, it needs no quality beyond that.
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return 0.5 + 0.5 * static_cast<double>(rng_ % 1'000'000) / 1'000'000.0;
}

core::Status Forwarder::DrainAll(storage::Session* session, const core::StopToken* stop) {
  ASSIGN_OR_RETURN(auto pipelines, session->outbox()->PipelinesWithEntries());
  core::Status first;
  for (const auto& [workspace_id, pipeline_id] : pipelines) {
    if (stop && stop->cancelled()) break;
    core::StatusOr<bool> drained = Drain(session, workspace_id, pipeline_id, stop);
    if (!drained.ok() && first.ok()) first = drained.status();
  }
  return first;
}

core::StatusOr<bool> Forwarder::Drain(storage::Session* session, int64_t workspace_id,
                                      const std::string& pipeline_id, const core::StopToken* stop) {
  storage::Outbox* outbox = session->outbox();
  const int64_t now = deps_.clock->NowMicros();
  ASSIGN_OR_RETURN(bool claimed, outbox->ClaimDrain(workspace_id, pipeline_id, deps_.owner, now,
                                                    now + options_.lease_ms * 1000));
  if (!claimed) return false;
  core::Status status = [&]() -> core::Status {
    core::StatusOr<catalog::Resource> pipeline =
        session->catalog()->Get(workspace_id, catalog::Kind::kPipeline, pipeline_id);
    if (!pipeline.ok() && pipeline.status().code() == core::StatusCode::kNotFound) {
      return outbox->Prune(workspace_id, pipeline_id, {});  // a deleted pipeline forwards nothing
    }
    RETURN_IF_ERROR(pipeline.status());
    json outputs = pipeline->body.value("outputs", json::array());
    if (deps_.reveal_outputs) {
      ASSIGN_OR_RETURN(outputs, deps_.reveal_outputs(workspace_id, pipeline_id, outputs));
    }
    ASSIGN_OR_RETURN(std::vector<OutputSpec> specs, ParseOutputs(outputs));
    std::vector<std::string> keys;
    for (const OutputSpec& spec : specs) {
      keys.push_back(spec.key);
      if (stop && stop->cancelled()) continue;
      core::Status s = DrainOutput(session, workspace_id, pipeline_id, spec, stop);
      if (!s.ok()) {
        core::LogError("forwarding pipeline '" + pipeline_id + "' to " + spec.key + ": " +
                       s.message());
      }
    }
    return outbox->Prune(workspace_id, pipeline_id, keys);
  }();
  core::Status released = outbox->ReleaseDrain(workspace_id, pipeline_id, deps_.owner);
  RETURN_IF_ERROR(status);
  RETURN_IF_ERROR(released);
  return true;
}

core::Status Forwarder::DrainOutput(storage::Session* session, int64_t workspace_id,
                                    const std::string& pipeline_id, const OutputSpec& output,
                                    const core::StopToken* stop) {
  storage::Outbox* outbox = session->outbox();
  ASSIGN_OR_RETURN(storage::OutputProgress progress,
                   outbox->Progress(workspace_id, pipeline_id, output.key));
  if (progress.paused_until && *progress.paused_until > deps_.clock->NowMicros()) {
    return core::Status::Ok();
  }
  const int max_attempts = output.max_attempts.value_or(options_.max_attempts);
  int64_t failures = progress.failures;
  int64_t delivered_seq = progress.delivered_seq;
  const size_t window =
      output.type == OutputType::kJsonl
          ? 1000
          : options_.max_batches_per_request * static_cast<size_t>(options_.max_in_flight);

  // Records the delivery of entries [0, count) of `entries`.
  auto deliver = [&](const std::vector<storage::OutboxEntry>& entries,
                     size_t count) -> core::Status {
    std::map<int64_t, int64_t> per_run;
    for (size_t i = 0; i < count; ++i) ++per_run[entries[i].run_id];
    delivered_seq = entries[count - 1].seq;
    failures = 0;
    return outbox->MarkDelivered(workspace_id, pipeline_id, output.key, delivered_seq,
                                 {per_run.begin(), per_run.end()});
  };
  // Records a failed attempt; true when the output is now paused.
  auto fail = [&](const Outcome& o) -> core::StatusOr<bool> {
    ++failures;
    const int64_t now = deps_.clock->NowMicros();
    std::optional<int64_t> paused_until;
    if (!o.retryable || failures >= max_attempts || o.retry_after_ms > options_.max_backoff_ms) {
      paused_until = now + std::max(options_.pause_ms, o.retry_after_ms) * 1000;
    }
    RETURN_IF_ERROR(
        outbox->RecordFailure(workspace_id, pipeline_id, output.key, o.error, now, paused_until));
    return paused_until.has_value();
  };

  while (!(stop && stop->cancelled())) {
    ASSIGN_OR_RETURN(std::vector<storage::OutboxEntry> entries,
                     outbox->Pending(workspace_id, pipeline_id, delivered_seq, window));
    if (entries.empty()) break;
    const int64_t now = deps_.clock->NowMicros();
    ASSIGN_OR_RETURN(bool still_ours, outbox->ClaimDrain(workspace_id, pipeline_id, deps_.owner,
                                                         now, now + options_.lease_ms * 1000));
    if (!still_ours) return core::Unavailable("another process took over the drain");

    if (output.type == OutputType::kJsonl) {
      core::Status written = AppendLines(deps_.files, output.path, entries);
      if (written.ok()) {
        RETURN_IF_ERROR(deliver(entries, entries.size()));
        continue;
      }
      ASSIGN_OR_RETURN(bool paused, fail({false, written.retryable(), 0, written.message()}));
      if (paused) return core::Status::Ok();
      deps_.sleep(std::chrono::milliseconds(options_.backoff_ms), stop);
      continue;
    }

    std::vector<BulkRequest> requests =
        BuildRequests(entries, options_.max_batches_per_request, options_.max_request_bytes);
    if (requests.size() > static_cast<size_t>(options_.max_in_flight)) {
      requests.resize(static_cast<size_t>(options_.max_in_flight));  // the rest: next round
    }
    std::vector<Outcome> outcomes(requests.size());
    auto send = [&](size_t i) {
      if (deps_.http == nullptr) {
        outcomes[i] = {false, false, 0, "this process has no HTTP transport for outputs"};
        return;
      }
      warehouse::HttpRequest request;
      request.method = "POST";
      request.url = output.url;
      request.timeout = std::chrono::milliseconds(options_.request_timeout_ms);
      request.max_response_bytes = 1 << 20;
      request.headers.emplace_back("Content-Type", "application/json");
      for (const auto& header : output.headers) request.headers.push_back(header);
      if (output.basic_auth) {
        request.headers.emplace_back(
            "Authorization",
            "Basic " + Base64(output.basic_auth->first + ":" + output.basic_auth->second));
      }
      if (output.gzip) {
        request.headers.emplace_back("Content-Encoding", "gzip");
        request.body = Gzip(requests[i].body);
      } else {
        request.body = requests[i].body;
      }
      outcomes[i] = Classify(deps_.http->Send(request, stop));
    };
    // Up to max_in_flight requests at once; the first on this thread.
    std::vector<std::thread> threads;
    for (size_t i = 1; i < requests.size(); ++i) threads.emplace_back(send, i);
    send(0);
    for (std::thread& t : threads) t.join();

    size_t ok_prefix = 0;
    while (ok_prefix < requests.size() && outcomes[ok_prefix].delivered) ++ok_prefix;
    if (ok_prefix > 0) RETURN_IF_ERROR(deliver(entries, requests[ok_prefix - 1].last + 1));
    if (ok_prefix == requests.size()) continue;

    const Outcome& failed = outcomes[ok_prefix];
    ASSIGN_OR_RETURN(bool paused, fail(failed));
    if (paused) return core::Status::Ok();
    int64_t wait = failed.retry_after_ms;
    if (wait == 0) {
      const int64_t exponential = options_.backoff_ms
                                  << std::min<int64_t>(std::max<int64_t>(failures - 1, 0), 20);
      wait = static_cast<int64_t>(
          static_cast<double>(std::min(exponential, options_.max_backoff_ms)) * Jitter());
    }
    deps_.sleep(std::chrono::milliseconds(wait), stop);
  }
  return core::Status::Ok();
}

}  // namespace wsync::forward
