#include "common/auth/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/auth/internal/sodium.h"
#include "common/auth/internal/strict_json.h"
#include "common/base/status.h"
#include "nlohmann/json.hpp"

namespace relief::auth {
namespace {

using Json = nlohmann::json;

// errno as a Status whose message is `what` plus strerror.
absl::Status ErrnoStatus(int error, absl::string_view what) {
  return absl::Status(absl::ErrnoToStatusCode(error),
                      absl::StrCat(what, ": ", std::strerror(error)));
}

// A key pair whose secret is the partner of its public key.
bool SecretMatchesPublic(absl::string_view secret, absl::string_view pub) {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(
      pk, sk, reinterpret_cast<const unsigned char*>(secret.data()));
  const bool ok = sodium_memcmp(pk, pub.data(), sizeof pk) == 0 &&
                  sodium_memcmp(sk, secret.data(), sizeof sk) == 0;
  sodium_memzero(sk, sizeof sk);
  return ok;
}

absl::StatusOr<KeyPair> ReadEntry(const Json& entry, const std::string& at) {
  if (!entry.is_object()) return InvalidArgument(at, "must be an object");
  KeyPair pair;
  for (const auto& [name, value] : entry.items()) {
    const std::string field = absl::StrCat(at, ".", name);
    if (name != "kid" && name != "public" && name != "secret") {
      return InvalidArgument(field, "unknown member");
    }
    if (!value.is_string()) return InvalidArgument(field, "must be a string");
  }
  const auto kid = entry.find("kid");
  if (kid == entry.end()) return InvalidArgument(at + ".kid", "required");
  pair.kid = kid->get<std::string>();
  if (!IsValidKeyId(pair.kid)) {
    return InvalidArgument(at + ".kid",
                           "must be 1..64 bytes of [A-Za-z0-9._-]");
  }
  const auto pub = entry.find("public");
  if (pub == entry.end()) return InvalidArgument(at + ".public", "required");
  std::optional<std::string> public_key =
      internal::Base64Decode(pub->get_ref<const std::string&>());
  if (!public_key || public_key->size() != crypto_sign_PUBLICKEYBYTES) {
    return InvalidArgument(at + ".public", "must be base64 of 32 bytes");
  }
  pair.public_key = *std::move(public_key);
  if (const auto secret = entry.find("secret"); secret != entry.end()) {
    std::optional<std::string> secret_key =
        internal::Base64Decode(secret->get_ref<const std::string&>());
    if (!secret_key || secret_key->size() != crypto_sign_SECRETKEYBYTES) {
      if (secret_key) sodium_memzero(secret_key->data(), secret_key->size());
      return InvalidArgument(at + ".secret", "must be base64 of 64 bytes");
    }
    if (!SecretMatchesPublic(*secret_key, pair.public_key)) {
      sodium_memzero(secret_key->data(), secret_key->size());
      return InvalidArgument(at + ".secret", "is not the partner of public");
    }
    pair.secret_key = *std::move(secret_key);
  }
  return pair;
}

}  // namespace

KeySet KeyFile::PublicKeys() const {
  KeySet set;
  for (const KeyPair& k : keys) {
    // Entries of a parsed or generated file are valid; a hand-built invalid
    // one is skipped rather than half-added.
    set.Add(k.kid, k.public_key).IgnoreError();
  }
  return set;
}

absl::StatusOr<SigningKey> KeyFile::SigningKeyFor(absl::string_view kid) const {
  for (const KeyPair& k : keys) {
    if (k.kid != kid) continue;
    if (k.secret_key.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("key ", kid, " has no secret in this key file"));
    }
    return SigningKey{.kid = k.kid, .secret_key = k.secret_key};
  }
  return absl::NotFoundError(absl::StrCat("no key ", kid, " in the key file"));
}

absl::StatusOr<KeyPair> GenerateKeyPair(absl::string_view kid) {
  if (!IsValidKeyId(kid)) {
    return InvalidArgument("kid", "must be 1..64 bytes of [A-Za-z0-9._-]");
  }
  RELIEF_RETURN_IF_ERROR(internal::EnsureSodium());
  KeyPair pair{.kid = std::string(kid),
               .public_key = std::string(crypto_sign_PUBLICKEYBYTES, '\0'),
               .secret_key = std::string(crypto_sign_SECRETKEYBYTES, '\0')};
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(pair.public_key.data()),
                      reinterpret_cast<unsigned char*>(pair.secret_key.data()));
  return pair;
}

absl::StatusOr<KeyFile> ParseKeyFile(absl::string_view json) {
  RELIEF_RETURN_IF_ERROR(internal::EnsureSodium());
  std::string error;
  const std::optional<Json> root = internal::ParseStrictJson(json, &error);
  if (!root) {
    return absl::InvalidArgumentError(absl::StrCat("key file: ", error));
  }
  if (!root->is_object()) {
    return absl::InvalidArgumentError("key file must be a JSON object");
  }
  for (const auto& [name, value] : root->items()) {
    if (name != "keys") return InvalidArgument(name, "unknown member");
  }
  const auto keys = root->find("keys");
  if (keys == root->end() || !keys->is_array()) {
    return InvalidArgument("keys", "must be an array");
  }
  KeyFile file;
  std::set<std::string> kids;
  for (size_t i = 0; i < keys->size(); ++i) {
    const std::string at = absl::StrCat("keys[", i, "]");
    absl::StatusOr<KeyPair> pair = ReadEntry((*keys)[i], at);
    if (!pair.ok()) return pair.status();
    if (!kids.insert(pair->kid).second) {
      return InvalidArgument(at + ".kid", "repeats an earlier kid");
    }
    file.keys.push_back(*std::move(pair));
  }
  return file;
}

std::string SerializeKeyFile(const KeyFile& file) {
  Json keys = Json::array();
  for (const KeyPair& k : file.keys) {
    Json entry = {{"kid", k.kid},
                  {"public", internal::Base64Encode(k.public_key)}};
    if (!k.secret_key.empty()) {
      entry["secret"] = internal::Base64Encode(k.secret_key);
    }
    keys.push_back(std::move(entry));
  }
  return Json{{"keys", std::move(keys)}}.dump(2) + "\n";
}

absl::StatusOr<KeyFile> LoadKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("key file ", path));
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      sodium_memzero(buf, sizeof buf);
      sodium_memzero(text.data(), text.size());
      return ErrnoStatus(error, absl::StrCat("key file ", path));
    }
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  sodium_memzero(buf, sizeof buf);
  absl::StatusOr<KeyFile> file = ParseKeyFile(text);
  sodium_memzero(text.data(), text.size());
  if (!file.ok()) {
    return absl::Status(file.status().code(),
                        absl::StrCat(path, ": ", file.status().message()));
  }
  return file;
}

absl::Status SaveKeyFile(const std::string& path, const KeyFile& file) {
  std::string text = SerializeKeyFile(file);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        S_IRUSR | S_IWUSR);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("create ", tmp));
  // An existing temporary keeps its old mode: force 0600 before writing.
  absl::Status status;
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
    status = ErrnoStatus(errno, absl::StrCat("chmod ", tmp));
  }
  for (size_t done = 0; status.ok() && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoStatus(errno, absl::StrCat("write ", tmp));
    } else {
      done += static_cast<size_t>(n);
    }
  }
  sodium_memzero(text.data(), text.size());
  if (status.ok() && ::fsync(fd) != 0) {
    status = ErrnoStatus(errno, absl::StrCat("fsync ", tmp));
  }
  if (::close(fd) != 0 && status.ok()) {
    status = ErrnoStatus(errno, absl::StrCat("close ", tmp));
  }
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = ErrnoStatus(errno, absl::StrCat("rename ", tmp, " to ", path));
  }
  if (!status.ok()) ::unlink(tmp.c_str());
  return status;
}

}  // namespace relief::auth
