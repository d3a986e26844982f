// A small graphql-transport-ws client: one socket, one subscription, reconnecting with backoff.
// Protocol: connection_init (with the bearer token) -> connection_ack -> subscribe -> next* ...
// The server may ping; we answer pong. Anything published while the socket was down is lost
// (subscriptions do not replay), so onReconnect lets the caller refetch what it may have missed.

import { GRAPHQL_URL } from "./api.js";

export function socketUrl() {
  const url = new URL(GRAPHQL_URL);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url;
}

/**
 * Subscribe to `query`; calls onData(data) for each result, onStatus(text) on state changes,
 * onError(messages) for GraphQL errors and onReconnect() once subscribed again after the socket
 * was lost. Returns a function that stops it for good.
 */
export function subscribe({ token, query, variables = {}, onData, onStatus, onError, onReconnect = () => {} }) {
  let socket = null;
  let stopped = false;
  let retry = 0;
  let timer = null;
  let lost = false; // a socket was lost since the last subscription

  function open() {
    onStatus("connecting");
    socket = new WebSocket(socketUrl(), "graphql-transport-ws");
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${token}` } }));
    });
    socket.addEventListener("message", (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg.type === "connection_ack") {
        retry = 0;
        onStatus("live");
        socket.send(JSON.stringify({ id: "alerts", type: "subscribe", payload: { query, variables } }));
        if (lost) {
          lost = false;
          onReconnect();
        }
      } else if (msg.type === "next" && msg.payload) {
        if (msg.payload.errors) onError(msg.payload.errors.map((e) => e.message));
        if (msg.payload.data) onData(msg.payload.data);
      } else if (msg.type === "error") {
        onError((msg.payload ?? []).map((e) => e.message));
      } else if (msg.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (msg.type === "complete") {
        onStatus("ended");
      }
    });
    socket.addEventListener("close", (event) => {
      if (stopped) return;
      if (event.code === 4401 || event.code === 4403) {
        onStatus("refused");
        return;
      }
      lost = true;
      retry += 1;
      const delay = Math.min(30000, 1000 * 2 ** Math.min(retry, 5));
      onStatus("reconnecting");
      timer = setTimeout(open, delay);
    });
  }

  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (socket && socket.readyState <= WebSocket.OPEN) {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id: "alerts", type: "complete" }));
      socket.close(1000, "signed out");
    }
  };
}
