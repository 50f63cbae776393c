// A small app on the published hook: room and peer from the query, the status indicator, peers, a
// code-sync note pad and, with `?ai=<bot peer>` (e.g. ai-assistant-react-demo), a box asking that AI bot.
// Built with esbuild from npm packages (React is a peer dependency of @peermesh/react).
import React from 'react';
import { createRoot } from 'react-dom/client';
import { useAiAnswers, useP2PConnection, ConnectionStatus } from '../use-peermesh.js';

const query = new URLSearchParams(location.search);
const room = query.get('room') ?? 'react-demo';
const peer = query.get('peer') ?? `react-${Math.random().toString(36).slice(2, 8)}`;
const bot = query.get('ai');

/** Asks `bot`; every answer streams into an `ai-answer` element (data-state streaming|done|error). */
function AiBox({ client }) {
  const { answers, ask, cancel } = useAiAnswers(client, { storage: sessionStorage });
  const [prompt, setPrompt] = React.useState('');
  const submit = (e) => {
    e.preventDefault();
    if (prompt.trim()) {
      ask(bot, prompt.trim());
      setPrompt('');
    }
  };
  return React.createElement('section', null,
    React.createElement('form', { onSubmit: submit },
      React.createElement('input', { 'data-testid': 'ai-prompt', value: prompt, placeholder: `ask ${bot}`,
        onChange: (e) => setPrompt(e.target.value) }),
      React.createElement('button', { 'data-testid': 'ai-ask', type: 'submit' }, 'ask')),
    answers.map((a) => React.createElement('article', { key: a.id },
      React.createElement('p', null, React.createElement('b', null, '> '), a.prompt,
        a.state === 'streaming' && React.createElement('button', { onClick: () => cancel(a.id) }, 'stop')),
      React.createElement('p', { 'data-testid': 'ai-answer', 'data-state': a.state, 'data-finish': a.finish ?? '',
        'data-code': a.error?.code ?? '', style: { whiteSpace: 'pre-wrap' } }, a.text),
      a.error && React.createElement('p', { 'data-testid': 'ai-error' }, `${a.error.code}: ${a.error.message}`))));
}

function App() {
  const { state, attempt, path, peers, send, subscribe, client } = useP2PConnection(room, { peer });
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
    React.createElement('ul', { 'data-testid': 'notes' }, notes.map((n, i) => React.createElement('li', { key: i }, n))),
    bot && React.createElement(AiBox, { client }));
}

createRoot(document.getElementById('root')).render(React.createElement(App));
