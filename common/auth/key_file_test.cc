#include "common/auth/key_file.h"

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/auth/internal/sodium.h"
#include "common/auth/testing/test_tokens.h"
#include "common/base/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief::auth {
namespace {

using ::relief::auth::testing::NewKeyPair;
using ::relief::auth::testing::TestClaims;
using ::relief::testing::IsOkAndHolds;
using ::relief::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::StatusCode kInvalidArgument =
    absl::StatusCode::kInvalidArgument;

std::string B64(absl::string_view bytes) {
  return internal::Base64Encode(bytes);
}

std::string Entry(absl::string_view kid, absl::string_view public_b64,
                  absl::string_view secret_b64) {
  return absl::StrCat(R"({"kid":")", kid, R"(","public":")", public_b64,
                      R"(","secret":")", secret_b64, R"("})");
}

std::string OneKeyFile(absl::string_view entry) {
  return absl::StrCat(R"({"keys":[)", entry, "]}");
}

// A fresh path under the test's temporary directory.
std::string TempPath(absl::string_view name) {
  const std::string dir =
      absl::StrCat(::testing::TempDir(), "key_file_test_", ::getpid());
  ::mkdir(dir.c_str(), 0700);
  return absl::StrCat(dir, "/", name);
}

TEST(GenerateKeyPairTest, GivesAMatchingFreshPair) {
  const KeyPair a = NewKeyPair("k1");
  const KeyPair b = NewKeyPair("k1");
  EXPECT_EQ(a.kid, "k1");
  EXPECT_EQ(a.public_key.size(), 32u);
  EXPECT_EQ(a.secret_key.size(), 64u);
  EXPECT_EQ(a.secret_key.substr(32), a.public_key);
  EXPECT_NE(a.secret_key, b.secret_key);
  EXPECT_THAT(GenerateKeyPair("bad kid"), StatusIs(kInvalidArgument));
}

TEST(KeyFileTest, SerializeThenParseRoundTrips) {
  KeyFile file{.keys = {NewKeyPair("k1"), NewKeyPair("k2")}};
  file.keys[1].secret_key.clear();  // Verify-only entry.
  EXPECT_THAT(ParseKeyFile(SerializeKeyFile(file)), IsOkAndHolds(file));
}

TEST(KeyFileTest, ParsesTheDocumentedFormat) {
  const KeyPair k = NewKeyPair("k1");
  const std::string json = absl::StrCat(
      R"({"keys":[{"kid":"k1","public":")", B64(k.public_key),
      R"("},{"kid":"k2","public":")", B64(NewKeyPair("k2").public_key),
      R"(","secret":")", B64(NewKeyPair("k2").secret_key), R"("}]})");
  // k2's secret belongs to another pair than its public key.
  EXPECT_THAT(ParseKeyFile(json),
              StatusIs(kInvalidArgument,
                       "keys[1].secret: is not the partner of public"));

  absl::StatusOr<KeyFile> file = ParseKeyFile(
      OneKeyFile(Entry("k1", B64(k.public_key), B64(k.secret_key))));
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->keys.size(), 1u);
  EXPECT_EQ(file->keys[0], k);
}

TEST(KeyFileTest, PublicKeysAndSigningKeyFor) {
  KeyFile file{.keys = {NewKeyPair("k1"), NewKeyPair("k2")}};
  file.keys[0].secret_key.clear();
  EXPECT_THAT(file.PublicKeys().kids(), ::testing::ElementsAre("k1", "k2"));
  EXPECT_THAT(file.SigningKeyFor("k1"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(file.SigningKeyFor("k3"), StatusIs(absl::StatusCode::kNotFound));
  absl::StatusOr<SigningKey> key = file.SigningKeyFor("k2");
  ASSERT_TRUE(key.ok());
  const absl::Time now = absl::FromUnixSeconds(1628996400);
  EXPECT_TRUE(VerifyToken(SignToken(TestClaims(now), *key).value(),
                          file.PublicKeys(), now)
                  .ok());
}

TEST(KeyFileTest, RefusesMalformedFiles) {
  const KeyPair k = NewKeyPair("k1");
  const std::string pub = B64(k.public_key);
  const std::string sec = B64(k.secret_key);
  struct Case {
    std::string json;
    std::string message;
  };
  const Case cases[] = {
      {"", "key file: not valid JSON (byte 1)"},
      {"[]", "key file must be a JSON object"},
      {R"({"keys":{}})", "keys: must be an array"},
      {R"({"keys":[],"extra":1})", "extra: unknown member"},
      {R"({"keys":[],"keys":[]})", "key file: repeats a member name"},
      {OneKeyFile("1"), "keys[0]: must be an object"},
      {OneKeyFile(R"({"public":")" + pub + R"("})"), "keys[0].kid: required"},
      {OneKeyFile(R"({"kid":"k1"})"), "keys[0].public: required"},
      {OneKeyFile(R"({"kid":"k 1","public":")" + pub + R"("})"),
       "keys[0].kid: must be 1..64 bytes of [A-Za-z0-9._-]"},
      {OneKeyFile(R"({"kid":"k1","public":")" + B64("short") + R"("})"),
       "keys[0].public: must be base64 of 32 bytes"},
      {OneKeyFile(R"({"kid":"k1","public":1})"),
       "keys[0].public: must be a string"},
      {OneKeyFile(R"({"kid":"k1","secert":"x","public":")" + pub + R"("})"),
       "keys[0].secert: unknown member"},
      {absl::StrCat(R"({"keys":[)", Entry("k1", pub, sec), ",",
                    Entry("k1", pub, sec), "]}"),
       "keys[1].kid: repeats an earlier kid"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseKeyFile(c.json), StatusIs(kInvalidArgument, c.message))
        << c.json;
  }
}

TEST(KeyFileTest, ErrorsNeverQuoteTheSecret) {
  const KeyPair k = NewKeyPair("k1");
  const std::string pub = B64(k.public_key);
  const std::string sec = B64(k.secret_key);
  const KeyPair other = NewKeyPair("k1");
  const std::string bad_files[] = {
      // Secret one byte short.
      OneKeyFile(Entry("k1", pub, B64(k.secret_key.substr(1)))),
      // Secret with a stray character.
      OneKeyFile(Entry("k1", pub, sec + "!")),
      // Secret of another pair.
      OneKeyFile(Entry("k1", pub, B64(other.secret_key))),
      // Syntax error right after the secret: nlohmann's own message would
      // quote the text it last read.
      absl::StrCat(R"({"keys":[{"kid":"k1","public":")", pub, R"(","secret":")",
                   sec, R"(" )", sec, "}]}"),
      absl::StrCat(R"({"keys":[{"kid":"k1","public":")", pub, R"(","secret":)",
                   sec, "}]}"),
      // Secret of the wrong type.
      OneKeyFile(
          absl::StrCat(R"({"kid":"k1","public":")", pub, R"(","secret":1})")),
  };
  const std::string other_sec = B64(other.secret_key);
  for (const std::string& json : bad_files) {
    const absl::StatusOr<KeyFile> file = ParseKeyFile(json);
    ASSERT_FALSE(file.ok()) << json;
    const std::string message(file.status().message());
    EXPECT_THAT(message, Not(HasSubstr(sec.substr(0, 12)))) << message;
    EXPECT_THAT(message, Not(HasSubstr(other_sec.substr(0, 12)))) << message;
    EXPECT_THAT(file.status().ToString(), Not(HasSubstr(sec.substr(0, 12))));
  }
  // Through a file too: the path is added, nothing else.
  const std::string path = TempPath("bad.json");
  std::ofstream(path) << bad_files[3];
  const absl::StatusOr<KeyFile> loaded = LoadKeyFile(path);
  EXPECT_THAT(loaded, StatusIs(kInvalidArgument, HasSubstr(path)));
  EXPECT_THAT(std::string(loaded.status().message()),
              Not(HasSubstr(sec.substr(0, 12))));
}

TEST(KeyFileTest, SaveWritesMode0600AndLoadReadsItBack) {
  const KeyFile file{.keys = {NewKeyPair("k1"), NewKeyPair("k2")}};
  const std::string path = TempPath("keys.json");
  ASSERT_TRUE(SaveKeyFile(path, file).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_THAT(LoadKeyFile(path), IsOkAndHolds(file));

  // Saving again replaces the file.
  const KeyFile rotated{.keys = {file.keys[1], NewKeyPair("k3")}};
  ASSERT_TRUE(SaveKeyFile(path, rotated).ok());
  EXPECT_THAT(LoadKeyFile(path), IsOkAndHolds(rotated));
}

TEST(KeyFileTest, LoadAndSaveReportFileErrors) {
  EXPECT_THAT(LoadKeyFile(TempPath("missing.json")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(SaveKeyFile(TempPath("no/such/dir/keys.json"), KeyFile{}),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace relief::auth
