// An OpenAI-compatible Chat Completions server on loopback for `bench/swarm-runs.ts --provider`, run
// in a child process so its CPU is not the swarm's: every call is answered after the delay given as
// its argument (ms) with the basic protocol's JSON for the schema it asks for (a finding, the final
// decision, a plan). Prints its port.
import { createServer } from 'node:http';

const delayMs = Number(process.argv[2] ?? 50);
let findings = 0;
const replyFor = (schemaName) =>
  schemaName === 'final_decision'
    ? { decision: 'answer', answer: 'done' }
    : schemaName === 'plan'
      ? { subTasks: ['x'] }
      : { findings: [{ text: `finding ${++findings}` }] };

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const request = JSON.parse(body || '{}');
    const content = JSON.stringify(replyFor(request.response_format?.json_schema?.name));
    setTimeout(() => {
      const out = JSON.stringify({
        id: 'chatcmpl-bench',
        object: 'chat.completion',
        created: 1,
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    }, delayMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('disconnect', () => process.exit(0));
