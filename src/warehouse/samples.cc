#include "warehouse/samples.h"

#include <utility>

#include "core/utf8.h"
#include "warehouse/batcher.h"

namespace wsync::warehouse {

core::Value SampleValue(core::Value v) {
  if (v.type() == core::Type::kBytes && v.bytes_value().size() > kSampleValueBytes / 2) {
    // Shown as hex, two characters a byte.
    return core::Value::BytesValue(v.bytes_value().substr(0, kSampleValueBytes / 2));
  }
  if (v.type() != core::Type::kString) return v;
  std::string_view text = v.string_value();
  if (text.size() <= kSampleValueBytes && core::IsValidUtf8(text)) return v;
  std::string out;
  if (text.size() > kSampleValueBytes) {
    size_t cut = kSampleValueBytes;
    // Back up to a character boundary so the cut adds no U+FFFD of its own.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    core::AppendValidUtf8(text.substr(0, cut), &out);
    out += kTruncatedMarker;
  } else {
    core::AppendValidUtf8(text, &out);
  }
  return core::Value::String(std::move(out));
}

void SampleKeeper::Offer(core::Row row) {
  if (!wants_more()) return;
  size_t row_bytes = 0;
  for (core::Value& v : row) {
    v = SampleValue(std::move(v));
    row_bytes += ValueBytes(v);
  }
  if (kept_bytes_ + row_bytes > kSampleBytesBudget) {
    budget_hit_ = true;
    return;
  }
  kept_bytes_ += row_bytes;
  ++kept_rows_;
  rows_.push_back(std::move(row));
}

std::optional<std::string> SampleKeeper::BudgetWarning() const {
  if (!budget_hit_) return std::nullopt;
  return "only " + std::to_string(kept_rows_) + " sample rows are shown: together they reach the " +
         std::to_string(kSampleBytesBudget >> 20) + " MB sample budget";
}

}  // namespace wsync::warehouse
