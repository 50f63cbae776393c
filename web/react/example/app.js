// A small app on the published hook: room and peer from the query, the status indicator, peers, and a
// code-sync note pad. Built with esbuild from npm packages (React is a peer dependency of @peermesh/react).
import React from 'react';
import { createRoot } from 'react-dom/client';
import { useP2PConnection, ConnectionStatus } from '../use-peermesh.js';

const query = new URLSearchParams(location.search);
const room = query.get('room') ?? 'react-demo';
const peer = query.get('peer') ?? `react-${Math.random().toString(36).slice(2, 8)}`;

function App() {
  const { state, attempt, path, peers, send, subscribe } = useP2PConnection(room, { peer });
  const [notes, setNotes] = React.useState([]);
  React.useEffect(() => subscribe('code-sync', (data, detail) => {
    setNotes((previous) => [...previous.slice(-19), `${detail.from}: ${new TextDecoder().decode(data)}`]);
  }), [subscribe]);
  return React.createElement('main', null,
    React.createElement('h1', null, `PeerMesh React example — ${room} as ${peer} `,
      React.createElement(ConnectionStatus, { state, attempt, path })),
    React.createElement('p', { 'data-testid': 'peers' },
      peers.length ? `peers: ${peers.map((p) => `${p.peer} (${p.state})`).join(', ')}` : 'alone in the room'),
    React.createElement('button', { onClick: () => send.codeSync(`hello from ${peer}`) }, 'say hello'),
    React.createElement('ul', { 'data-testid': 'notes' }, notes.map((n, i) => React.createElement('li', { key: i }, n))));
}

createRoot(document.getElementById('root')).render(React.createElement(App));
