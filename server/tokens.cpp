#include "server/tokens.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>

namespace tenet::server {
namespace {

std::optional<unsigned> hex_digit(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return std::nullopt;
}

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

}  // namespace

std::string parse_rights(std::string_view rights, Grant& grant) {
  while (!rights.empty()) {
    const std::size_t comma = rights.find(',');
    const std::string_view right = rights.substr(0, comma);
    if (right == "check") {
      grant.check = true;
    } else if (right == "admin") {
      grant.admin = true;
    } else if (right == "author") {
      grant.author = true;
    } else {
      return "unknown right '" + std::string(right) +
             "' (expected a comma list of check, admin and author)";
    }
    rights = comma == std::string_view::npos ? std::string_view{} : rights.substr(comma + 1);
  }
  if (!grant.check && !grant.admin && !grant.author) return "no rights given";
  return "";
}

std::array<unsigned char, 32> sha256(std::string_view data) {
  std::array<unsigned char, 32> digest{};
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        &EVP_MD_CTX_free);
  unsigned int length = 0;
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1 || length != digest.size()) {
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  }
  return digest;
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string text;
  text.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    text += kDigits[data[i] >> 4U];
    text += kDigits[data[i] & 0x0FU];
  }
  return text;
}

std::string new_token() {
  std::random_device device;  // /dev/urandom on Linux (libstdc++)
  std::array<unsigned char, 32> bytes{};
  for (std::size_t i = 0; i < bytes.size(); i += 4) {
    const unsigned int word = device();
    for (std::size_t b = 0; b < 4; ++b)
      bytes[i + b] = static_cast<unsigned char>((word >> (8 * b)) & 0xFFU);
  }
  return to_hex(bytes.data(), bytes.size());
}

std::optional<std::chrono::sys_seconds> parse_utc_time(std::string_view text) {
  // Fixed positions: 2027-01-31T00:00:00Z
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return std::nullopt;
  const auto number = [&](std::size_t at, std::size_t digits) -> std::optional<int> {
    int value = 0;
    for (std::size_t i = at; i < at + digits; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const auto year = number(0, 4);
  const auto month = number(5, 2);
  const auto day = number(8, 2);
  const auto hour = number(11, 2);
  const auto minute = number(14, 2);
  const auto second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  // No leap second (:60): the system clock never shows one either.
  if (*hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{*year},
                                         std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days{date} + std::chrono::hours{*hour} + std::chrono::minutes{*minute} +
         std::chrono::seconds{*second};
}

std::string format_utc_time(std::chrono::sys_seconds time) {
  const std::chrono::sys_days day = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss<std::chrono::seconds> clock{time - day};
  const auto two = [](long value) { return (value < 10 ? "0" : "") + std::to_string(value); };
  std::string year = std::to_string(static_cast<int>(date.year()));
  if (year.size() < 4) year.insert(0, 4 - year.size(), '0');
  return year + '-' + two(static_cast<unsigned>(date.month())) + '-' +
         two(static_cast<unsigned>(date.day())) + 'T' + two(clock.hours().count()) + ':' +
         two(clock.minutes().count()) + ':' + two(clock.seconds().count()) + 'Z';
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  constexpr std::int64_t kLimit = std::int64_t{100} * 366 * 24 * 3600;  // about 100 years
  std::int64_t total = 0;
  if (text.empty()) return std::nullopt;
  while (!text.empty()) {
    std::size_t digits = 0;
    std::int64_t value = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
      value = value * 10 + (text[digits] - '0');
      if (value > kLimit) return std::nullopt;
      ++digits;
    }
    if (digits == 0 || digits == text.size()) return std::nullopt;
    std::int64_t unit = 0;
    switch (text[digits]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 24 * 3600;
        break;
      case 'w':
        unit = 7 * 24 * 3600;
        break;
      default:
        return std::nullopt;
    }
    total += value * unit;
    if (total > kLimit) return std::nullopt;
    text = text.substr(digits + 1);
  }
  if (total == 0) return std::nullopt;
  return std::chrono::seconds{total};
}

TokenStore::LoadResult TokenStore::load(const std::filesystem::path& file) {
  // A folder reads as an empty file, and a FIFO would block: refuse both.
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(file, error);
  if (error)
    return {std::nullopt, file.string() + ": cannot read the token file: " + error.message()};
  if (std::filesystem::is_directory(status))
    return {std::nullopt, file.string() + ": is a directory, not a token file"};
  if (!std::filesystem::is_regular_file(status))
    return {std::nullopt, file.string() + ": the token file is not a regular file"};
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    // errno is open(2)'s here (libstdc++ filebuf): the reason the user can act on.
    const int reason = errno;
    return {std::nullopt, file.string() + ": cannot read the token file" +
                              (reason != 0 ? std::string(": ") + std::strerror(reason) : "")};
  }
  std::ostringstream text;
  text << in.rdbuf();
  LoadResult loaded = parse(text.str(), file.string());
  // No token at all: every client would be refused, which is never meant.
  if (loaded.store && loaded.store->size() == 0)
    return {std::nullopt, file.string() +
                              ": no tokens in the token file (add one: `tenet token new --tenant "
                              "TENANT --rights RIGHTS`)"};
  return loaded;
}

TokenStore::LoadResult TokenStore::parse(std::string_view text, std::string_view file_name) {
  TokenStore store;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    const std::vector<std::string_view> words = split_words(line);
    if (words.empty() || words[0].front() == '#') continue;
    const auto fail = [&](std::string_view message) {
      return LoadResult{std::nullopt, std::string(file_name) + ':' + std::to_string(line_number) +
                                          ": " + std::string(message)};
    };
    if (words.size() < 3)
      return fail("expected `SHA256HEX TENANT RIGHTS [expires=YYYY-MM-DDTHH:MM:SSZ]`");
    HashedToken entry;
    if (words[0].size() != 64) return fail("the hash must be 64 hexadecimal digits (SHA-256)");
    for (std::size_t i = 0; i < 32; ++i) {
      const auto high = hex_digit(words[0][2 * i]);
      const auto low = hex_digit(words[0][2 * i + 1]);
      if (!high || !low) return fail("the hash must be 64 hexadecimal digits (SHA-256)");
      entry.hash[i] = static_cast<unsigned char>((*high << 4U) | *low);
    }
    entry.grant.tenant = std::string(words[1]);
    if (std::string error = parse_rights(words[2], entry.grant); !error.empty()) return fail(error);
    // Fields after the rights, `NAME=VALUE`: only `expires` so far. An
    // unknown one is refused, not skipped: a misspelt `expire=` ignored
    // would make a token meant to lapse valid for ever.
    for (std::size_t i = 3; i < words.size(); ++i) {
      const std::string_view field = words[i];
      constexpr std::string_view kExpires = "expires=";
      if (field.substr(0, kExpires.size()) != kExpires) {
        return fail("unknown field '" + std::string(field) +
                    "' after the rights (expected expires=YYYY-MM-DDTHH:MM:SSZ)");
      }
      if (entry.grant.expires) return fail("expires is given twice");
      const std::string_view value = field.substr(kExpires.size());
      entry.grant.expires = parse_utc_time(value);
      if (!entry.grant.expires) {
        return fail(
            "expires must be a UTC time YYYY-MM-DDTHH:MM:SSZ (e.g. 2027-01-31T00:00:00Z), "
            "not '" +
            std::string(value) + "'");
      }
    }
    store.entries_.push_back(std::move(entry));
  }
  return {std::move(store), {}};
}

std::vector<std::string> TokenStore::bound_tenants() const {
  std::vector<std::string> tenants;
  for (const HashedToken& entry : entries_) {
    if (entry.grant.all_tenants()) continue;
    if (std::find(tenants.begin(), tenants.end(), entry.grant.tenant) == tenants.end()) {
      tenants.push_back(entry.grant.tenant);
    }
  }
  return tenants;
}

TokenStore TokenStore::from_entries(std::vector<HashedToken> entries) {
  TokenStore store;
  store.entries_ = std::move(entries);
  for (HashedToken& entry : store.entries_) entry.grant.id.clear();
  return store;
}

std::optional<Grant> TokenStore::authenticate(std::string_view token) const {
  return authenticate_hash(sha256(token));
}

std::optional<Grant> TokenStore::authenticate_hash(
    const std::array<unsigned char, 32>& hash) const {
  // Every entry is compared in full, whatever matches: the time taken does
  // not depend on which entry (or how much of a hash) matched.
  const HashedToken* found = nullptr;
  for (const HashedToken& entry : entries_) {
    const bool equal = CRYPTO_memcmp(entry.hash.data(), hash.data(), hash.size()) == 0;
    if (equal && found == nullptr) found = &entry;
  }
  if (found == nullptr) return std::nullopt;
  Grant grant = found->grant;
  grant.id = "sha256:" + to_hex(found->hash.data(), 8);
  return grant;
}

}  // namespace tenet::server
