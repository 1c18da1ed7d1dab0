import { describe, expect, it } from 'vitest';
import { AgentStop } from '../../actors/host-utils.js';

describe('AgentStop', () => {
  it('tells its listener once, with the reason, whether the stop came before or after it listened', () => {
    const heard: Array<string | undefined> = [];
    const early = new AgentStop();
    early.stop('aborted');
    early.listen((reason) => heard.push(reason));
    const late = new AgentStop();
    late.listen((reason) => heard.push(reason));
    expect(heard).toEqual(['aborted']);
    late.stop();
    late.stop('again');
    expect(heard).toEqual(['aborted', undefined]);
  });

  it('tells no one after unlisten, and a later listener hears the stop that came meanwhile', () => {
    const heard: string[] = [];
    const stop = new AgentStop();
    stop.listen(() => heard.push('first'));
    stop.unlisten();
    stop.stop('wall-time');
    expect(heard).toEqual([]);
    stop.listen((reason) => heard.push(`second: ${reason}`));
    expect(heard).toEqual(['second: wall-time']);
  });
});
