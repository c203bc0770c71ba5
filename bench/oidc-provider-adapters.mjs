// Two storage adapters for node-oidc-provider, written for the bench (its adapter interface:
// upsert, find, findByUid, findByUserCode, consume, destroy, revokeByGrantId).
//
// - MapAdapter: a plain Map with expiry times. Its built-in memory adapter is an LRU capped at
//   1,000 entries, which would evict a pool of refresh tokens; this one never evicts a live entry.
// - RedisAdapter: one Redis connection (node-redis); JSON values with EX, consumable models as
//   a hash (payload + consumed) so `consume` is one HSET, grant membership in a set per grant.

const grantable = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);
const consumable = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

const epoch = () => Math.floor(Date.now() / 1000);

/** Shared storage of every MapAdapter instance in the process (one per model). */
const maps = { items: new Map(), grants: new Map(), uids: new Map(), userCodes: new Map() };

export class MapAdapter {
  constructor(model) {
    this.model = model;
  }
  key(id) {
    return `${this.model}:${id}`;
  }
  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    maps.items.set(key, { payload: { ...payload }, expiresAt });
    if (grantable.has(this.model) && payload.grantId !== undefined) {
      let set = maps.grants.get(payload.grantId);
      if (set === undefined) maps.grants.set(payload.grantId, (set = new Set()));
      set.add(key);
    }
    if (payload.uid !== undefined) maps.uids.set(payload.uid, id);
    if (payload.userCode !== undefined) maps.userCodes.set(payload.userCode, id);
  }
  async find(id) {
    const key = this.key(id);
    const item = maps.items.get(key);
    if (item === undefined) return undefined;
    if (item.expiresAt <= Date.now()) {
      maps.items.delete(key);
      return undefined;
    }
    return item.payload;
  }
  async findByUid(uid) {
    const id = maps.uids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }
  async findByUserCode(userCode) {
    const id = maps.userCodes.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }
  async consume(id) {
    const item = maps.items.get(this.key(id));
    if (item !== undefined) item.payload.consumed = epoch();
  }
  async destroy(id) {
    maps.items.delete(this.key(id));
  }
  async revokeByGrantId(grantId) {
    for (const key of maps.grants.get(grantId) ?? []) maps.items.delete(key);
    maps.grants.delete(grantId);
  }
}

/** Returns an adapter class bound to one connected node-redis client and a key prefix. */
export function redisAdapter(client, prefix) {
  return class RedisAdapter {
    constructor(model) {
      this.model = model;
    }
    key(id) {
      return `${prefix}${this.model}:${id}`;
    }
    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      const multi = client.multi();
      if (consumable.has(this.model)) {
        multi.hSet(key, { payload: JSON.stringify(payload) });
        if (typeof expiresIn === 'number') multi.expire(key, expiresIn);
      } else if (typeof expiresIn === 'number') {
        multi.set(key, JSON.stringify(payload), { EX: expiresIn });
      } else {
        multi.set(key, JSON.stringify(payload));
      }
      if (grantable.has(this.model) && payload.grantId !== undefined) {
        const grantKey = `${prefix}grant:${payload.grantId}`;
        multi.rPush(grantKey, key);
        if (typeof expiresIn === 'number') multi.expire(grantKey, expiresIn, 'GT');
      }
      if (payload.uid !== undefined) {
        multi.set(`${prefix}uid:${payload.uid}`, id, { EX: expiresIn ?? 3600 });
      }
      if (payload.userCode !== undefined) {
        multi.set(`${prefix}userCode:${payload.userCode}`, id, { EX: expiresIn ?? 3600 });
      }
      await multi.exec();
    }
    async find(id) {
      const key = this.key(id);
      if (consumable.has(this.model)) {
        const h = await client.hGetAll(key);
        if (h.payload === undefined) return undefined;
        const payload = JSON.parse(h.payload);
        if (h.consumed !== undefined) payload.consumed = Number(h.consumed);
        return payload;
      }
      const v = await client.get(key);
      return v === null ? undefined : JSON.parse(v);
    }
    async findByUid(uid) {
      const id = await client.get(`${prefix}uid:${uid}`);
      return id === null ? undefined : this.find(id);
    }
    async findByUserCode(userCode) {
      const id = await client.get(`${prefix}userCode:${userCode}`);
      return id === null ? undefined : this.find(id);
    }
    async consume(id) {
      await client.hSet(this.key(id), 'consumed', String(epoch()));
    }
    async destroy(id) {
      await client.del(this.key(id));
    }
    async revokeByGrantId(grantId) {
      const grantKey = `${prefix}grant:${grantId}`;
      const keys = await client.lRange(grantKey, 0, -1);
      await client.del([...keys, grantKey]);
    }
  };
}
