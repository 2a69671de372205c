// Generating the mutual-TLS test certificates with the openssl CLI (tests may use the OS).
#include "test_certificates.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace orrery::test {

namespace {
// EC keys: generated in milliseconds, unlike RSA.
constexpr const char* new_key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
}  // namespace

Result<TestCertificates> TestCertificates::generate() {
  const char* temporary = std::getenv("TMPDIR");
  std::string pattern =
      std::string(temporary != nullptr ? temporary : "/tmp") + "/orrery-grpc-certs-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return make_error(Errc::io_error, "cannot create a temporary directory from " + pattern);
  }
  TestCertificates certificates(pattern);
  {
    std::ofstream extensions(pattern + "/node.ext");
    extensions << "subjectAltName=IP:127.0.0.1\n"
               << "basicConstraints=CA:FALSE\n"
               << "keyUsage=digitalSignature,keyEncipherment\n"
               << "extendedKeyUsage=serverAuth,clientAuth\n";
  }
  for (const auto* ca : {"ca", "rogue-ca"}) {
    if (auto made = certificates.make_ca(ca); !made) return made.error();
  }
  for (const auto* node : {"node-a", "node-b", "node-c"}) {
    if (auto made = certificates.make_node(node, "ca"); !made) return made.error();
  }
  if (auto made = certificates.make_node("rogue", "rogue-ca"); !made) return made.error();
  return certificates;
}

TestCertificates::TestCertificates(TestCertificates&& other) noexcept
    : directory_(std::move(other.directory_)) {
  other.directory_.clear();
}

TestCertificates::~TestCertificates() {
  if (directory_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

Status TestCertificates::run(const std::string& command) const {
  const std::string output = directory_ + "/openssl.log";
  const std::string line = "cd '" + directory_ + "' && " + command + " >>'" + output + "' 2>&1";
  if (std::system(line.c_str()) != 0) {
    return make_error(Errc::io_error, "'" + command + "' failed; its output is in " + output);
  }
  return {};
}

Status TestCertificates::make_ca(const std::string& name) const {
  return run("openssl req -x509 " + std::string(new_key) + " -keyout " + name + ".key -out " +
             name + ".pem -days 2 -subj /CN=orrery-test-" + name);
}

Status TestCertificates::make_node(const std::string& node, const std::string& ca) const {
  if (auto request = run("openssl req " + std::string(new_key) + " -keyout " + node + ".key -out " +
                         node + ".csr -subj /CN=orrery-" + node);
      !request) {
    return request;
  }
  return run("openssl x509 -req -in " + node + ".csr -CA " + ca + ".pem -CAkey " + ca +
             ".key -CAcreateserial -out " + node + ".pem -days 2 -extfile node.ext");
}

}  // namespace orrery::test
