import { ApiProperty } from '@nestjs/swagger';
import { Role } from '../../auth/role';

export class MeDto {
  @ApiProperty({ example: 'alice', description: "The token's subject: the user id of its jobs" })
  id!: string;

  @ApiProperty({
    enum: Role,
    enumName: 'Role',
    isArray: true,
    example: ['user'],
    description:
      '`user` always; `admin` sees and acts on every job; `viewer` sees what an admin sees and changes nothing',
  })
  roles!: Role[];
}

export class MeResponseDto {
  @ApiProperty({ type: MeDto })
  data!: MeDto;
}
