// The official OpenAI SDK against BASE_URL: a plain and a streamed completion of the same
// greedy request, and the model list, printed as one JSON line for RouterEndToEndTest.
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: 'not-checked', maxRetries: 0 });
const request = { model: process.env.MODEL, prompt: 'Once upon a time', max_tokens: 8, temperature: 0 };

const plain = await client.completions.create(request);
const stream = await client.completions.create({ ...request, stream: true });
let streamed = '';
for await (const chunk of stream) {
  streamed += chunk.choices[0]?.text ?? '';
}
const models = await client.models.list();
console.log(JSON.stringify({
  plain: plain.choices[0].text,
  streamed,
  models: models.data.map((model) => model.id),
}));
