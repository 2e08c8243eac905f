package io.plasmavmc.gateway;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;

/** One server stream that a polled feed writes to: the caller whose place it holds, and its messages, one at a time. */
class FeedStream<T> {
  final ServerCallStreamObserver<T> stream;
  final String caller;

  FeedStream(ServerCallStreamObserver<T> stream, String caller) {
    this.stream = stream;
    this.caller = caller;
  }

  final boolean cancelled() {
    return stream.isCancelled();
  }

  final void send(T message) {
    synchronized (stream) {
      stream.onNext(message);
    }
  }

  final void complete() {
    synchronized (stream) {
      stream.onCompleted();
    }
  }

  final void fail(StatusRuntimeException e) {
    if (!stream.isCancelled()) {
      synchronized (stream) {
        stream.onError(e);
      }
    }
  }
}
