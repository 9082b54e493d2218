import { JobCatalogue } from '@app/handlers';
import { FairSharesService, JobTypeNotFoundError, type UserShare } from '@app/jobs';
import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '../auth/role';
import type {
  FairSharesResponseDto,
  TypeShareResponseDto,
  UserShareDto,
  UserShareResponseDto,
} from './dto/fair-shares.response.dto';

/** The admin side of fair shares: caps per user and per type, audited. */
@Injectable()
export class FairSharesApiService {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly shares: FairSharesService,
    private readonly catalogue: JobCatalogue,
  ) {}

  async list(): Promise<FairSharesResponseDto> {
    const shares = await this.shares.list();
    return { data: { ...shares, users: shares.users.map(present) } };
  }

  async setUser(
    admin: AuthUser,
    userId: string,
    maxRunning: number,
  ): Promise<UserShareResponseDto> {
    const share = await this.shares.setUser(userId, maxRunning, admin.id);
    this.audit(admin, 'fair-share.user.set', { userId });
    return { data: present(share) };
  }

  async clearUser(admin: AuthUser, userId: string): Promise<void> {
    await this.shares.clearUser(userId);
    this.audit(admin, 'fair-share.user.clear', { userId });
  }

  async setType(admin: AuthUser, type: string, max: number): Promise<TypeShareResponseDto> {
    this.known(type);
    const share = await this.shares.setType(type, max);
    this.audit(admin, 'fair-share.type.set', { jobType: type });
    return { data: share };
  }

  async clearType(admin: AuthUser, type: string): Promise<void> {
    this.known(type);
    await this.shares.clearType(type);
    this.audit(admin, 'fair-share.type.clear', { jobType: type });
  }

  private known(type: string): void {
    if (!this.catalogue.find(type)) throw new JobTypeNotFoundError(type);
  }

  private audit(admin: AuthUser, action: string, target: Record<string, string>): void {
    this.logger.log({
      msg: `audit: ${admin.id} ${action} ${Object.values(target).join(' ')}`,
      audit: { actor: admin.id, action, targets: [target] },
    });
  }
}

const present = (share: UserShare): UserShareDto => ({
  ...share,
  updatedAt: share.updatedAt.toISOString(),
});
