import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore, isCircuitOpenError } from 'breakwater';
import { VapiClient, type ApiError, type VapiClientOptions } from 'breakwater/clients';
import { startFakeVapi, type FakeVapi } from '../../src/demo/fake-upstreams/index.js';
import { captureLogger, instantClock, rejectionOf } from '../http/harness.js';

const apiKey = 'vapi-private-7f3c2a91-secret';
const phoneNumberId = '0b7c7c5e-2f7a-4d1e-8f57-3a7d1e9c4b21';
let vapi: FakeVapi;
let log: ReturnType<typeof captureLogger>;

function client(options: Partial<VapiClientOptions> = {}): VapiClient {
  return new VapiClient({
    apiKey,
    phoneNumberId,
    baseUrl: vapi.url,
    store: new MemoryStore(),
    logger: log.logger,
    clock: instantClock(),
    timeout: 200,
    ...options,
  });
}

beforeEach(async () => {
  vapi = await startFakeVapi({ apiKey });
  log = captureLogger();
});

afterEach(async () => {
  await vapi.close();
});

describe('VapiClient on the wire', () => {
  it('creates an assistant: POST /assistant with a bearer key and a JSON body', async () => {
    const config = {
      name: 'Receptionist',
      firstMessage: 'Hello!',
      model: { provider: 'openai', model: 'gpt-4o' },
    };
    const assistant = await client().createAssistant({ config });
    const [request] = vapi.requests;

    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/assistant');
    expect(request?.headers['authorization']).toBe(`Bearer ${apiKey}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['accept']).toBe('application/json');
    expect(request?.json).toEqual(config);
    expect(assistant).toMatchObject({
      ...config,
      id: expect.any(String) as unknown,
      orgId: expect.any(String) as unknown,
    });
    expect(vapi.assistants.has(assistant.id)).toBe(true);
  });

  it('updates an assistant with PATCH /assistant/{id}', async () => {
    const vapiClient = client();
    const { id } = await vapiClient.createAssistant({ config: { name: 'A' } });
    const updated = await vapiClient.updateAssistant({ assistantId: id, config: { name: 'B' } });

    expect(vapi.requests[1]).toMatchObject({
      method: 'PATCH',
      path: `/assistant/${id}`,
      json: { name: 'B' },
    });
    expect(updated.name).toBe('B');
  });

  it('deletes an assistant with DELETE /assistant/{id}, resolving to it', async () => {
    const vapiClient = client();
    const { id } = await vapiClient.createAssistant({ config: { name: 'A' } });
    const deleted = await vapiClient.deleteAssistant({ assistantId: id });

    expect(vapi.requests[1]).toMatchObject({
      method: 'DELETE',
      path: `/assistant/${id}`,
      body: '',
    });
    expect(deleted?.id).toBe(id);
    expect(vapi.assistants.size).toBe(0);
  });

  it('starts a call: POST /call with the assistant, the number to call from, and the customer', async () => {
    const call = await client().startCall({ assistantId: 'asst-1', phoneNumber: '+14155550100' });

    expect(vapi.requests[0]).toMatchObject({ method: 'POST', path: '/call' });
    expect(vapi.requests[0]?.json).toEqual({
      assistantId: 'asst-1',
      phoneNumberId,
      customer: { number: '+14155550100' },
    });
    expect(call.status).toBe('queued');
    expect(call.subscriptionLimits?.concurrencyBlocked).toBe(false);
  });

  it('lets startCall name another number to call from, and requires one', async () => {
    await client().startCall({
      assistantId: 'a',
      phoneNumber: '+14155550100',
      phoneNumberId: 'pn-2',
    });

    expect(vapi.requests[0]?.json).toMatchObject({ phoneNumberId: 'pn-2' });
    await expect(
      client({ phoneNumberId: undefined }).startCall({
        assistantId: 'a',
        phoneNumber: '+14155550100',
      }),
    ).rejects.toThrow(/phoneNumberId is required/);
    await expect(
      client().startCall({ assistantId: 'a', phoneNumber: '4155550100' }),
    ).rejects.toThrow(/phoneNumber must be an E.164 phone number/);
  });

  it('reads a call with GET /call/{id}', async () => {
    const vapiClient = client();
    const started = await vapiClient.startCall({ assistantId: 'a', phoneNumber: '+14155550100' });
    vapi.endCall(started.id);
    const call = await vapiClient.getCall({ callId: started.id });

    expect(vapi.requests[1]).toMatchObject({
      method: 'GET',
      path: `/call/${started.id}`,
      body: '',
    });
    expect(call).toMatchObject({
      id: started.id,
      status: 'ended',
      endedReason: 'customer-ended-call',
    });
  });

  it("reports Vapi's NestJS errors with every message", async () => {
    const error = (await rejectionOf(
      client().createAssistant({ config: { name: 'A', customer: {}, colour: 'red' } }),
    )) as ApiError;

    expect(error.status).toBe(400);
    expect(error.vendorCode).toBe('Bad Request');
    expect(error.vendorMessage).toBe(
      'property customer should not exist; property colour should not exist',
    );
    expect(vapi.requests).toHaveLength(1);
  });
});

describe('VapiClient without duplicate calls', () => {
  it('never starts a call twice after a 500', async () => {
    vapi.fail({ status: 500, times: 3 });
    const error = (await rejectionOf(
      client().startCall({ assistantId: 'a', phoneNumber: '+14155550100' }),
    )) as ApiError;

    expect(error.status).toBe(500);
    expect(error.retryable).toBe(false);
    expect(vapi.requests).toHaveLength(1);
  });

  it('never starts a call twice after a timeout', async () => {
    vapi.fail({ type: 'slow', delay: 400 });
    const error = (await rejectionOf(
      client().startCall({ assistantId: 'a', phoneNumber: '+14155550100' }),
    )) as ApiError;

    expect(error.code).toBe('ERR_API_TIMEOUT');
    expect(vapi.requests).toHaveLength(1);
  });

  it('never creates an assistant twice after a 503', async () => {
    vapi.fail({ status: 503, times: 3 });
    await rejectionOf(client().createAssistant({ config: { name: 'A' } }));

    expect(vapi.requests).toHaveLength(1);
  });

  it('retries a call refused with a 429, which Vapi never processed', async () => {
    vapi.fail({ status: 429 });
    const vapiClient = client();
    await vapiClient.startCall({ assistantId: 'a', phoneNumber: '+14155550100' });

    expect(vapi.requests).toHaveLength(2);
    expect(vapi.calls.size).toBe(1);
    expect(await vapiClient.breaker('start_call').state()).toBe('closed');
  });

  it('rejects a 201 with concurrencyBlocked as a call not started, without tripping the breaker', async () => {
    vapi.concurrencyLimit = 0;
    const vapiClient = client({ retry: { attempts: 2 } });
    const error = (await rejectionOf(
      vapiClient.startCall({ assistantId: 'a', phoneNumber: '+14155550100' }),
    )) as ApiError;

    expect(error.code).toBe('ERR_API_UNFULFILLED');
    expect(error.status).toBe(201);
    expect(error.vendorCode).toBe('concurrency_blocked');
    expect(error.message).toBe(
      'vapi:start_call: POST /call was not carried out (concurrency_blocked): every concurrent call slot is busy (limit 0); the call was not placed',
    );
    expect(vapi.requests).toHaveLength(2);
    expect(vapi.calls.size).toBe(0);
    expect(await vapiClient.breaker('start_call').state()).toBe('closed');
    expect(log.lines).toEqual([]);
  });

  it('retries an update and a delete after a 503, as they are idempotent', async () => {
    const vapiClient = client();
    const { id } = await vapiClient.createAssistant({ config: { name: 'A' } });
    vapi.fail({ status: 503, method: 'PATCH' }).fail({ status: 503, method: 'DELETE' });
    await vapiClient.updateAssistant({ assistantId: id, config: { name: 'B' } });
    await vapiClient.deleteAssistant({ assistantId: id });

    expect(vapi.requests.map((request) => request.method)).toEqual([
      'POST',
      'PATCH',
      'PATCH',
      'DELETE',
      'DELETE',
    ]);
  });

  it('reads a 404 on a retried delete as already done, and a first 404 as an error', async () => {
    const vapiClient = client({ timeout: 100 });
    const { id } = await vapiClient.createAssistant({ config: { name: 'A' } });
    vapi.fail({ type: 'slow', delay: 300, method: 'DELETE' });

    await expect(vapiClient.deleteAssistant({ assistantId: id })).resolves.toBeUndefined();
    expect(vapi.requests.filter((request) => request.method === 'DELETE')).toHaveLength(2);

    const error = (await rejectionOf(vapiClient.deleteAssistant({ assistantId: id }))) as ApiError;
    expect(error.status).toBe(404);
  });
});

describe('VapiClient reads', () => {
  it('resolve to null when Vapi fails, then while the breaker is open, without a request', async () => {
    vapi.fail({ status: 503, times: 3 });
    const vapiClient = client();

    await expect(vapiClient.getCall({ callId: 'c1' })).resolves.toBeNull();
    expect(vapi.requests).toHaveLength(3);
    await expect(vapiClient.getCall({ callId: 'c1' })).resolves.toBeNull();
    expect(vapi.requests).toHaveLength(3);
    expect(log.lines[0]).toMatch(/^warn breaker vapi:get_call closed -> open after ApiError/);
  });

  it('reject a 404, which is not an outage', async () => {
    const vapiClient = client();
    const error = (await rejectionOf(vapiClient.getCall({ callId: 'missing' }))) as ApiError;

    expect(error.status).toBe(404);
    expect(error.vendorMessage).toBe("Couldn't Find Call missing");
    expect(await vapiClient.breaker('get_call').state()).toBe('closed');
  });

  it('refuse creates with CircuitOpenError while the breaker is open', async () => {
    const vapiClient = client();
    await vapiClient.breaker('create_assistant').lock('open');
    const refused = await rejectionOf(vapiClient.createAssistant({ config: {} }));

    expect(isCircuitOpenError(refused)).toBe(true);
    expect(vapi.requests).toHaveLength(0);
  });

  it('reject a wrong key with a 401 that does not show it', async () => {
    const error = (await rejectionOf(
      client({ apiKey: 'wrong-key-123' }).createAssistant({ config: {} }),
    )) as ApiError;

    expect(error.status).toBe(401);
    expect(error.message).not.toContain('wrong-key-123');
  });

  it('escape ids in paths', async () => {
    await rejectionOf(client().getCall({ callId: '../assistant' }));

    expect(vapi.requests[0]?.path).toBe('/call/..%2Fassistant');
    await expect(client().getCall({ callId: '..' })).rejects.toThrow(RangeError);
  });
});
