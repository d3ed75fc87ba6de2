#include "server/tokens.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
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
  std::ifstream in(file, std::ios::binary);
  if (!in) return {std::nullopt, file.string() + ": cannot read the token file"};
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
    if (words.size() != 3) return fail("expected `SHA256HEX TENANT RIGHTS`");
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
