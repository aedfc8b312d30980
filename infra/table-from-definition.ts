import { AttributeType, type TablePropsV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { KeyAttribute, KeyAttributeType, TableDefinition } from './tables.js';

const attributeTypes: Record<KeyAttributeType, AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

function toAttribute(key: KeyAttribute): { name: string; type: AttributeType } {
  return { name: key.name, type: attributeTypes[key.type] };
}

/** The shape of a table (keys, TTL) as CDK `TableV2` props; the caller adds the deployment choices. */
export function tableShape(definition: TableDefinition): Pick<TablePropsV2, 'partitionKey' | 'sortKey' | 'timeToLiveAttribute'> {
  return {
    partitionKey: toAttribute(definition.partitionKey),
    ...(definition.sortKey && { sortKey: toAttribute(definition.sortKey) }),
    ...(definition.timeToLiveAttribute && { timeToLiveAttribute: definition.timeToLiveAttribute }),
  };
}
