#include "common/server/rpc_metrics.h"

#include <chrono>

#include "grpcpp/support/interceptor.h"

namespace relief {
namespace {

using grpc::experimental::InterceptionHookPoints;

// One per call; gRPC serialises the hooks of a call, so no locking.
class RpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(Metrics& metrics, const char* method)
      : metrics_(metrics),
        method_(method == nullptr ? "" : method),
        start_(std::chrono::steady_clock::now()) {
    metrics_.CallStarted();
  }
  ~RpcMetricsInterceptor() override { metrics_.CallEnded(); }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    // Every call, sync or callback, sends exactly one status, and the server
    // chooses its code: recording here (and nowhere else) keeps caller-chosen
    // method names out of the labels (see below).
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const auto code =
          static_cast<absl::StatusCode>(methods->GetSendStatus().error_code());
      // gRPC answers a method no service registers with UNIMPLEMENTED and
      // hands interceptors the caller's path ("" on the sync path, the path
      // itself when callback services exist): one label for them all.
      const char* method =
          code == absl::StatusCode::kUnimplemented ? "" : method_;
      metrics_.RecordRpc(
          method, code,
          absl::FromChrono(std::chrono::steady_clock::now() - start_));
    }
    methods->Proceed();
  }

 private:
  Metrics& metrics_;
  // Lives as long as the call: in the service's method table, or in the
  // call's context for unregistered methods.
  const char* const method_;
  // The interceptor is made when the call is matched, just before its first
  // hook (POST_RECV_INITIAL_METADATA).
  const std::chrono::steady_clock::time_point start_;
};

class RpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsInterceptorFactory(Metrics& metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcMetricsInterceptor(metrics_, info->method());
  }

 private:
  Metrics& metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRpcMetricsInterceptorFactory(Metrics& metrics) {
  return std::make_unique<RpcMetricsInterceptorFactory>(metrics);
}

}  // namespace relief
